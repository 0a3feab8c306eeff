import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The functions of the native addon (`native/autonas_native.cc`). Each reads and writes float32
 * tensors in a wasm heap: `heap` is the backend's `WebAssembly.Memory` buffer, `offsets` the byte
 * offsets of the tensors in it (−1 for an absent optional one), `ints` the geometry.
 */
export interface NativeAddon {
  conv2d(heap: ArrayBufferLike, ints: Int32Array, offsets: Float64Array, alpha: number): void;
  conv2dBackpropFilter(heap: ArrayBufferLike, ints: Int32Array, offsets: Float64Array): void;
  conv2dBackpropInput(heap: ArrayBufferLike, ints: Int32Array, offsets: Float64Array): void;
  maxPool(heap: ArrayBufferLike, ints: Int32Array, offsets: Float64Array): void;
  maxPoolGrad(heap: ArrayBufferLike, ints: Int32Array, offsets: Float64Array): void;
  matMul(heap: ArrayBufferLike, ints: Int32Array, offsets: Float64Array, alpha: number): void;
  /** Resizes the addon's thread pool; returns its new size. */
  setThreads(threads: number): number;
  info(): { threads: number; isa: string; hardwareThreads: number };
}

/** Whether the native kernels can be used here, and why not. */
export interface NativeAddonStatus {
  /** The addon, when it loaded. */
  readonly addon: NativeAddon | undefined;
  /** Where it was looked for. */
  readonly path: string;
  /** Why it is not used (undefined when it loaded). */
  readonly reason: string | undefined;
}

/**
 * Where `npm ci` builds the addon (`native/build.mjs`, run by this package's install script):
 * `packages/tfjs/native/build/autonas_native.node`, the same from `src/` and from `dist/`.
 * `AUTONAS_NATIVE_PATH` overrides it.
 */
export function nativeAddonPath(): string {
  const env = typeof process !== 'undefined' ? process.env['AUTONAS_NATIVE_PATH']?.trim() : undefined;
  if (env) return env;
  return fileURLToPath(new URL('../../native/build/autonas_native.node', import.meta.url));
}

const statuses = new Map<string, NativeAddonStatus>();

/**
 * Loads the native addon once per path (never throws): the status says whether it loaded and, if
 * not, why (not built, failed to load, or switched off with `AUTONAS_NATIVE=0`).
 *
 * @param path - the `.node` file (default {@link nativeAddonPath})
 *
 * @example
 * ```ts
 * import { loadNativeAddon } from '@autonas/tfjs';
 * const { addon, reason } = loadNativeAddon();
 * console.log(addon !== undefined ? addon.info() : reason);
 * ```
 */
export function loadNativeAddon(path: string = nativeAddonPath()): NativeAddonStatus {
  const flag = typeof process !== 'undefined' ? process.env['AUTONAS_NATIVE']?.trim().toLowerCase() : undefined;
  if (flag === '0' || flag === 'false' || flag === 'off') {
    return Object.freeze({ addon: undefined, path, reason: `switched off by AUTONAS_NATIVE=${flag}` });
  }
  const known = statuses.get(path);
  if (known !== undefined) return known;
  let status: NativeAddonStatus;
  if (!existsSync(path)) {
    status = { addon: undefined, path, reason: `not built (no ${path}; run 'npm run build:native -w @autonas/tfjs', which needs g++)` };
  } else {
    try {
      const addon = createRequire(import.meta.url)(path) as NativeAddon;
      const missing = (['conv2d', 'conv2dBackpropFilter', 'conv2dBackpropInput', 'maxPool', 'maxPoolGrad', 'matMul', 'setThreads', 'info'] as const).filter(
        (f) => typeof addon[f] !== 'function',
      );
      status =
        missing.length === 0
          ? { addon, path, reason: undefined }
          : { addon: undefined, path, reason: `${path} lacks ${missing.join(', ')} (an old build? run 'npm run build:native -w @autonas/tfjs')` };
    } catch (e) {
      status = { addon: undefined, path, reason: `failed to load ${path} (${e instanceof Error ? e.message : String(e)})` };
    }
  }
  status = Object.freeze(status);
  statuses.set(path, status);
  return status;
}
