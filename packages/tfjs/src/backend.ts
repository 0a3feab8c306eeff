import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ConfigurationError, RuntimeError } from '@autonas/core';
import { registerAvgPoolGradientFix, registerDilatedConvGradients, registerWasmTrainingKernels } from './kernels/index.js';
import { startNativeKernels, type NativeRuntime } from './native/start.js';

/** A backend {@link initRuntime} can be asked for; `auto` picks the best one available. */
export type BackendRequest = 'tensorflow' | 'wasm' | 'cpu' | 'auto';

/** The backends {@link initRuntime} accepts, also as values of `AUTONAS_BACKEND`. */
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['tensorflow', 'wasm', 'cpu', 'auto'];

/** What {@link initRuntime} chose. */
export interface RuntimeInfo {
  /** The active TensorFlow.js backend: `tensorflow`, `wasm` or `cpu`. */
  readonly backend: string;
  /** The package that provided it, e.g. `@tensorflow/tfjs-node` or `@tensorflow/tfjs-backend-wasm`. */
  readonly source: string;
  /** Why the backends before it were skipped (or that it was requested explicitly). */
  readonly reason: readonly string[];
  /**
   * On `wasm`: whether its convolutions, their gradients, max pooling and matrix products run in
   * the native addon (`registerNativeKernels`), on how many threads, or why not.
   */
  readonly native?: NativeRuntime;
}

/** Options of {@link initRuntime}. */
export interface InitRuntimeOptions {
  /** The backend to use; when undefined, `AUTONAS_BACKEND` is read, then `auto`. */
  backend?: BackendRequest;
  /** Where the one line about the chosen backend goes (default `console.info`). */
  log?: (msg: string) => void;
  /**
   * Folder (ending in a separator) holding the `.wasm` binaries of `@tensorflow/tfjs-backend-wasm`,
   * passed to its `setWasmPaths`. By default, in Node, the `dist` folder of the installed package;
   * `false` leaves the path alone (e.g. when you called `setWasmPaths` yourself).
   */
  wasmPaths?: string | false;
  /**
   * On `wasm`, run the heavy kernels in the native addon when it is built (default true; the
   * environment variable `AUTONAS_NATIVE=0` switches it off too). See `registerNativeKernels`.
   */
  native?: boolean;
  /** Threads of the native kernels (default: one per core). */
  nativeThreads?: number;
}

/** Imports a module by its specifier; replaceable with {@link setModuleLoader}. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

interface Candidate {
  backend: 'tensorflow' | 'wasm' | 'cpu';
  source: string;
}

/** In priority order. */
const CANDIDATES: readonly Candidate[] = [
  { backend: 'tensorflow', source: '@tensorflow/tfjs-node-gpu' },
  { backend: 'tensorflow', source: '@tensorflow/tfjs-node' },
  { backend: 'wasm', source: '@tensorflow/tfjs-backend-wasm' },
  { backend: 'cpu', source: '@tensorflow/tfjs-backend-cpu' },
];

const defaultLoader: ModuleLoader = async (specifier) => {
  // Literal specifiers for the dependencies, so that bundlers see them.
  switch (specifier) {
    case '@tensorflow/tfjs-backend-wasm':
      return import('@tensorflow/tfjs-backend-wasm');
    case '@tensorflow/tfjs-backend-cpu':
      return import('@tensorflow/tfjs-backend-cpu');
    case '@tensorflow/tfjs-layers':
      return import('@tensorflow/tfjs-layers');
    default:
      // The optional peers @tensorflow/tfjs-node(-gpu): not a dependency, may be missing.
      return import(specifier);
  }
};

let loader: ModuleLoader = defaultLoader;
/** Selections made, by resolved request. */
const memo = new Map<BackendRequest, RuntimeInfo>();
/** The last selection logged, `backend from source`. */
let lastLogged: string | undefined;
/** The runtime most recently selected or re-activated by {@link initRuntime}. */
let active: RuntimeInfo | undefined;
/** Serialises calls, so that concurrent ones do not interleave `tf.setBackend`. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Replaces how {@link initRuntime} imports backend packages (the default is a dynamic `import`),
 * e.g. to simulate `@tensorflow/tfjs-node` in a test by registering a fake `tensorflow` backend.
 * Call without an argument to restore the default. Also forgets earlier selections.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initRuntime, setModuleLoader } from '@autonas/tfjs';
 * declare const fakeBackend: tf.KernelBackend;
 * setModuleLoader(async (specifier: string) => {
 *   if (specifier !== '@tensorflow/tfjs-node') return import(specifier);
 *   tf.registerBackend('tensorflow', () => fakeBackend);
 *   return {};
 * });
 * await initRuntime({ backend: 'tensorflow' });
 * setModuleLoader(); // back to the real imports
 * ```
 */
export function setModuleLoader(moduleLoader?: ModuleLoader): void {
  loader = moduleLoader ?? defaultLoader;
  resetRuntime();
}

/**
 * Forgets the selections {@link initRuntime} memoised and which one it logged, so that the next
 * call selects (and logs) again. Does not change the active TensorFlow.js backend.
 *
 * @example
 * ```ts
 * import { initRuntime, resetRuntime } from '@autonas/tfjs';
 * resetRuntime();
 * const info = await initRuntime(); // selects and logs anew
 * ```
 */
export function resetRuntime(): void {
  memo.clear();
  lastLogged = undefined;
  active = undefined;
}

/**
 * Selects, initialises and activates the TensorFlow.js backend autonas trains on.
 *
 * With `auto` (the default) the first that works of: `tensorflow` from
 * `@tensorflow/tfjs-node-gpu`, `tensorflow` from `@tensorflow/tfjs-node` (both optional peer
 * dependencies), `wasm` from `@tensorflow/tfjs-backend-wasm` (plus the training kernels it lacks
 * and faster versions of its slow ones, see `registerWasmTrainingKernels`), `cpu` from
 * `@tensorflow/tfjs-backend-cpu`. Each is imported, activated with `tf.setBackend` +
 * `tf.ready()` and checked with a tiny op; on failure the next one is tried and the reason
 * recorded. An explicit backend (option, else the environment
 * variable `AUTONAS_BACKEND` with the same values) is the only one tried. It also makes sure the
 * gradients are registered (the Node build of tfjs-core registers none; tfjs-layers does), and
 * extends the conv2d and depthwise gradients to dilation rates > 1 (`registerDilatedConvGradients`).
 *
 * The result is memoised per request: calling again with the same request returns the same
 * {@link RuntimeInfo} (re-activating its backend if something else switched away) without
 * logging; a different request selects again, switching the backend. The chosen backend is
 * logged once, with the reasons, each time it changes.
 *
 * @throws RuntimeError `BACKEND_UNAVAILABLE` when an explicitly requested backend cannot be used
 *   (the previously active backend, if any, stays active)
 * @throws ConfigurationError `INVALID_BACKEND` for an unknown backend name (option or variable)
 *
 * @example
 * ```ts
 * import { initRuntime } from '@autonas/tfjs';
 *
 * const info = await initRuntime(); // or { backend: 'wasm' }, or AUTONAS_BACKEND=cpu
 * console.log(info.backend, info.source, info.reason);
 * // e.g. wasm @tensorflow/tfjs-backend-wasm [ '@tensorflow/tfjs-node-gpu: not installed', ... ]
 * ```
 */
export function initRuntime(options: InitRuntimeOptions = {}): Promise<RuntimeInfo> {
  const run = queue.then(() => select(options));
  queue = run.catch(() => undefined);
  return run;
}

async function select(options: InitRuntimeOptions): Promise<RuntimeInfo> {
  const { request, origin } = resolveRequest(options.backend);
  const log = options.log ?? ((msg: string) => console.info(msg));

  const known = memo.get(request);
  if (known !== undefined) {
    if (tf.getBackend() !== known.backend) {
      if (!(await tf.setBackend(known.backend))) {
        throw new RuntimeError('BACKEND_UNAVAILABLE', `TensorFlow.js backend '${known.backend}' could not be re-activated`);
      }
      await tf.ready();
    }
    active = known;
    return known;
  }

  await ensureGradients();
  // Every backend: tfjs 4.22's conv2d and depthwise gradients reject dilation rates > 1.
  registerDilatedConvGradients();
  // Every backend: tfjs 4.22's AvgPool gradient divides border windows of 'same' padding by the full window.
  registerAvgPoolGradientFix();
  const previous = tf.getBackend() as string | null | undefined;
  const candidates = request === 'auto' ? CANDIDATES : CANDIDATES.filter((c) => c.backend === request);
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const failure = await tryCandidate(candidate, options);
    if (failure !== undefined) {
      reasons.push(`${candidate.source}: ${failure}`);
      continue;
    }
    const native = candidate.backend === 'wasm' ? startNativeKernels({ enabled: options.native, threads: options.nativeThreads }) : undefined;
    const info: RuntimeInfo = Object.freeze({
      backend: candidate.backend,
      source: candidate.source,
      reason: Object.freeze(request === 'auto' ? reasons : [...reasons, `'${request}' requested by ${origin}`]),
      ...(native !== undefined ? { native } : {}),
    });
    memo.set(request, info);
    active = info;
    const nativePath = native === undefined ? '' : native.active ? ` with native kernels (${native.threads} threads, ${native.isa})` : '';
    const chosen = `${info.backend} from ${info.source}${nativePath}`;
    if (chosen !== lastLogged) {
      lastLogged = chosen;
      const skipped = info.reason.length > 0 ? `; ${info.reason.join('; ')}` : '';
      const nativeNote = native !== undefined && !native.active ? `; native kernels not used: ${native.reason}` : '';
      log(`autonas: TensorFlow.js backend '${info.backend}' (${info.source})${nativePath}${skipped}${nativeNote}`);
    }
    return info;
  }

  // Nothing worked: leave the previously active backend active.
  if (previous && previous !== tf.getBackend()) {
    await tf.setBackend(previous).catch(() => false);
  }
  const what =
    request === 'auto'
      ? 'No TensorFlow.js backend is available'
      : `TensorFlow.js backend '${request}' (requested by ${origin}) is not available`;
  throw new RuntimeError('BACKEND_UNAVAILABLE', `${what}: ${reasons.join('; ')}`);
}

function resolveRequest(option: BackendRequest | undefined): { request: BackendRequest; origin: string } {
  if (option !== undefined) return { request: validate(option, 'options.backend'), origin: 'options.backend' };
  const env = typeof process !== 'undefined' ? process.env['AUTONAS_BACKEND']?.trim().toLowerCase() : undefined;
  if (env) return { request: validate(env, 'AUTONAS_BACKEND'), origin: `AUTONAS_BACKEND=${env}` };
  return { request: 'auto', origin: 'default' };
}

function validate(value: string, where: string): BackendRequest {
  if ((BACKEND_REQUESTS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new ConfigurationError(
    'INVALID_BACKEND',
    `${where} is '${value}', expected one of ${BACKEND_REQUESTS.map((b) => `'${b}'`).join(', ')}`,
  );
}

/**
 * The node build of tfjs-core registers no gradients; tfjs-layers registers all of them on
 * import. Without them nothing trains ("gradient function not found for Sum").
 */
async function ensureGradients(): Promise<void> {
  if (tf.getGradient('Sum') !== undefined && tf.getGradient('Conv2D') !== undefined) return;
  try {
    await loader('@tensorflow/tfjs-layers');
  } catch (e) {
    throw new RuntimeError('GRADIENTS_UNAVAILABLE', `could not load @tensorflow/tfjs-layers to register the gradients: ${messageOf(e)}`);
  }
}

/** Imports, initialises and activates `candidate`; returns why it failed, or undefined. */
async function tryCandidate(candidate: Candidate, options: InitRuntimeOptions): Promise<string | undefined> {
  let mod: unknown;
  try {
    mod = await loader(candidate.source);
  } catch (e) {
    return isModuleNotFound(e, candidate.source) ? 'not installed' : `failed to load (${messageOf(e)})`;
  }
  if (tf.findBackendFactory(candidate.backend) == null) {
    return `loaded, but it registered no '${candidate.backend}' backend`;
  }
  try {
    if (candidate.backend === 'wasm') {
      // After ensureGradients: the fast gradients replace gradients tfjs-layers registers.
      registerWasmTrainingKernels();
      configureWasmPaths(mod, options.wasmPaths);
    }
    if (!(await tf.setBackend(candidate.backend))) return `the '${candidate.backend}' backend failed to initialise`;
    await tf.ready();
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    if (sum !== 3) return `the '${candidate.backend}' backend computed 1 + 2 = ${sum}`;
  } catch (e) {
    return `the '${candidate.backend}' backend does not work (${messageOf(e)})`;
  }
  return undefined;
}

/** Points the wasm backend at its binaries before it first initialises (Node only, see `wasmPaths`). */
function configureWasmPaths(mod: unknown, wasmPaths: string | false | undefined): void {
  if (wasmPaths === false) return;
  const setWasmPaths = (mod as { setWasmPaths?: (prefix: string) => void } | undefined)?.setWasmPaths;
  if (typeof setWasmPaths !== 'function') return;
  const engine = tf.engine() as unknown as { registry: Record<string, unknown> };
  if (engine.registry['wasm'] !== undefined) return; // already initialised: too late, and not needed
  let folder = wasmPaths;
  if (folder === undefined) {
    if (typeof process === 'undefined' || process.versions?.node === undefined) return;
    try {
      const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
      folder = path.join(path.dirname(pkg), 'dist') + path.sep;
    } catch {
      return; // cannot resolve (bundled?): leave it to the backend's own lookup
    }
  }
  setWasmPaths(folder);
}

function isModuleNotFound(e: unknown, specifier: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  const message = messageOf(e);
  const notFound =
    code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)|Could not resolve|Failed to (load|resolve)/i.test(message);
  // A missing dependency *of* the package is a broken install, not an absent package.
  return notFound && message.includes(specifier);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The runtime already chosen by {@link initRuntime} when it is still the active backend;
 * otherwise selects one as `initRuntime()` would. Library code (estimators, strategies) calls this
 * so that it never overrides a backend the user asked for.
 *
 * @example
 * ```ts
 * import { ensureRuntime, initRuntime } from '@autonas/tfjs';
 * await initRuntime({ backend: 'cpu' });
 * const info = await ensureRuntime(); // still cpu
 * ```
 */
export async function ensureRuntime(): Promise<RuntimeInfo> {
  await queue;
  if (active !== undefined && tf.getBackend() === active.backend) return active;
  return initRuntime();
}
