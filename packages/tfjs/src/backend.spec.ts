import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ConfigurationError, RuntimeError } from '@autonas/core';
import { initRuntime, resetRuntime, setModuleLoader, type ModuleLoader } from './backend.js';
import { isKernelReplaced, WASM_FAST_PATH_KERNELS } from './kernels/index.js';
import { loadNativeAddon } from './native/addon.js';
import { isNativeKernel, NATIVE_KERNELS } from './native/native-kernels.js';

const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';
const WASM = '@tensorflow/tfjs-backend-wasm';
const CPU = '@tensorflow/tfjs-backend-cpu';

const realImport: ModuleLoader = (specifier) => import(/* @vite-ignore */ specifier);

/** What importing tfjs-node does: register a backend named 'tensorflow' (here: the cpu kernels). */
function registerFakeTensorflowBackend(): void {
  if (tf.findBackendFactory('tensorflow') != null) return;
  tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
  for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
}

function removeFakeTensorflowBackend(): void {
  if (tf.findBackendFactory('tensorflow') == null) return;
  if (tf.getBackend() === 'tensorflow') tf.disposeVariables();
  tf.removeBackend('tensorflow');
  for (const k of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(k.kernelName, 'tensorflow');
}

/** A loader for which the packages in `present` exist (tfjs-node ones faked), the rest as really installed. */
function loaderWith(present: string[], failing: Record<string, Error> = {}): ModuleLoader {
  return async (specifier) => {
    const failure = failing[specifier];
    if (failure !== undefined) throw failure;
    if (specifier === NODE || specifier === NODE_GPU) {
      if (!present.includes(specifier)) {
        throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /somewhere`), { code: 'ERR_MODULE_NOT_FOUND' });
      }
      registerFakeTensorflowBackend();
      return {};
    }
    return realImport(specifier);
  };
}

beforeEach(() => {
  setModuleLoader();
  vi.stubEnv('AUTONAS_BACKEND', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  setModuleLoader();
  removeFakeTensorflowBackend();
});

describe('initRuntime in this environment (no tfjs-node installed)', () => {
  it('auto: skips tfjs-node-gpu and tfjs-node as not installed, picks wasm with the training kernels', async () => {
    const log = vi.fn();
    const info = await initRuntime({ log });
    expect(info).toMatchObject({
      backend: 'wasm',
      source: WASM,
      reason: [`${NODE_GPU}: not installed`, `${NODE}: not installed`],
    });
    // the native kernels when built, else the reason (see native-kernels.spec.ts)
    expect(info.native?.active).toBe(loadNativeAddon().addon !== undefined);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    // ... and the faster replacements of slow wasm kernels (by default)
    for (const name of ['Conv2DBackpropInput', ...WASM_FAST_PATH_KERNELS]) expect(isKernelReplaced('wasm', name), name).toBe(true);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toMatch(/'wasm'.*tfjs-backend-wasm.*tfjs-node-gpu: not installed/);
    // the wasm backend works under vitest, including a convolution gradient
    const g = tf.tidy(() => {
      const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
      return tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 2, 2]));
    });
    expect(g.shape).toEqual([3, 3, 2, 2]);
    expect(tf.getGradient('Sum')).toBeDefined(); // initRuntime registered the gradients
    g.dispose();
  });

  it('memoises: the same request returns the same info and does not log again', async () => {
    const log = vi.fn();
    const a = await initRuntime({ log });
    const b = await initRuntime({ log });
    const c = await initRuntime({ backend: 'auto', log });
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('a different explicit backend switches; the earlier request then switches back without logging', async () => {
    const log = vi.fn();
    const auto = await initRuntime({ log });
    const cpu = await initRuntime({ backend: 'cpu', log });
    expect(cpu).toEqual({ backend: 'cpu', source: CPU, reason: ["'cpu' requested by options.backend"] });
    expect(tf.getBackend()).toBe('cpu');
    expect(log).toHaveBeenCalledTimes(2);
    expect(await initRuntime({ log })).toBe(auto);
    expect(tf.getBackend()).toBe('wasm');
    expect(log).toHaveBeenCalledTimes(2);
  });

  it('does not log again when a new request lands on the backend already logged', async () => {
    const log = vi.fn();
    await initRuntime({ log });
    const wasm = await initRuntime({ backend: 'wasm', log });
    expect(wasm.backend).toBe('wasm');
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('honours AUTONAS_BACKEND when options.backend is undefined, and options over it', async () => {
    vi.stubEnv('AUTONAS_BACKEND', 'CPU ');
    const info = await initRuntime({ log: () => {} });
    expect(info.backend).toBe('cpu');
    expect(info.reason).toEqual(["'cpu' requested by AUTONAS_BACKEND=cpu"]);
    expect((await initRuntime({ backend: 'wasm', log: () => {} })).backend).toBe('wasm');
  });

  it('rejects an unknown backend name with a ConfigurationError', async () => {
    vi.stubEnv('AUTONAS_BACKEND', 'webgl');
    await expect(initRuntime({ log: () => {} })).rejects.toThrow(ConfigurationError);
    await expect(initRuntime({ log: () => {} })).rejects.toThrow(/AUTONAS_BACKEND is 'webgl'/);
    await expect(initRuntime({ backend: 'gpu' as never, log: () => {} })).rejects.toMatchObject({ code: 'INVALID_BACKEND' });
  });

  it("forcing 'tensorflow' throws BACKEND_UNAVAILABLE naming it and why, and keeps the active backend", async () => {
    await initRuntime({ backend: 'cpu', log: () => {} });
    const error = await initRuntime({ backend: 'tensorflow', log: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect((error as Error).message).toMatch(/'tensorflow'/);
    expect((error as Error).message).toContain(`${NODE_GPU}: not installed`);
    expect((error as Error).message).toContain(`${NODE}: not installed`);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('serialises concurrent calls', async () => {
    const results = await Promise.all([
      initRuntime({ log: () => {} }),
      initRuntime({ backend: 'cpu', log: () => {} }),
      initRuntime({ log: () => {} }),
    ]);
    expect(results.map((r) => r.backend)).toEqual(['wasm', 'cpu', 'wasm']);
    expect(results[2]).toBe(results[0]);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('logs the native path once, or why it is not used; AUTONAS_NATIVE=0 switches it off and puts the wasm kernels back', async () => {
    const built = loadNativeAddon().addon !== undefined;
    const log = vi.fn();
    const info = await initRuntime({ backend: 'wasm', log, nativeThreads: 2 });
    expect(log).toHaveBeenCalledTimes(1);
    if (built) {
      expect(info.native).toMatchObject({ active: true, threads: 2, kernels: [...NATIVE_KERNELS] });
      expect(log.mock.calls[0]![0]).toMatch(/^autonas: TensorFlow.js backend 'wasm' \(@tensorflow\/tfjs-backend-wasm\) with native kernels \(2 threads, (avx512|avx2|sse)\)/);
      expect(NATIVE_KERNELS.every((k) => isNativeKernel(k))).toBe(true);
    } else {
      expect(info.native?.active).toBe(false);
      expect(log.mock.calls[0]![0]).toMatch(/native kernels not used: (not built|switched off by AUTONAS_NATIVE)/);
    }
    resetRuntime();
    vi.stubEnv('AUTONAS_NATIVE', '0');
    const log2 = vi.fn();
    const off = await initRuntime({ backend: 'wasm', log: log2 });
    expect(off.native).toEqual({ active: false, reason: 'switched off by AUTONAS_NATIVE=0' });
    expect(log2.mock.calls[0]![0]).toMatch(/'wasm' \(@tensorflow\/tfjs-backend-wasm\);.*; native kernels not used: switched off by AUTONAS_NATIVE=0$/);
    expect(NATIVE_KERNELS.some((k) => isNativeKernel(k))).toBe(false);
    // and the training kernels still work without them
    const g = tf.tidy(() => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 5, 5, 2]) as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 2, 2])).dataSync());
    expect(g[0]).toBe(16); // the corner tap of a 3×3 'same' convolution over 5×5 sees 4×4 ones
  });

  it('takes the native threads from AUTONAS_NATIVE_THREADS, and rejects a bad value with a ConfigurationError', async () => {
    vi.stubEnv('AUTONAS_NATIVE_THREADS', 'two');
    await expect(initRuntime({ backend: 'wasm', log: () => {} })).rejects.toMatchObject({ code: 'INVALID_NATIVE_THREADS' });
    resetRuntime();
    vi.stubEnv('AUTONAS_NATIVE_THREADS', '1');
    const info = await initRuntime({ backend: 'wasm', log: () => {} });
    if (loadNativeAddon().addon !== undefined) expect(info.native).toMatchObject({ active: true, threads: 1 });
    else expect(info.native?.active).toBe(false);
  });

  it('the wasm backend finds its .wasm binaries under plain node too', async () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import '@tensorflow/tfjs-backend-wasm';",
      "const ok = await tf.setBackend('wasm');",
      'console.log(JSON.stringify({ ok, backend: tf.getBackend(), sum: tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0] }));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ ok: true, backend: 'wasm', sum: 3 });
  });
});

describe('initRuntime with simulated packages (module loader)', () => {
  it('prefers tfjs-node when it is present', async () => {
    setModuleLoader(loaderWith([NODE]));
    const log = vi.fn();
    const info = await initRuntime({ log });
    expect(info).toEqual({ backend: 'tensorflow', source: NODE, reason: [`${NODE_GPU}: not installed`] });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(log.mock.calls[0]![0]).toMatch(/'tensorflow' \(@tensorflow\/tfjs-node\)/);
  });

  it('prefers tfjs-node-gpu over tfjs-node', async () => {
    setModuleLoader(loaderWith([NODE_GPU, NODE]));
    expect(await initRuntime({ log: () => {} })).toEqual({ backend: 'tensorflow', source: NODE_GPU, reason: [] });
  });

  it("an explicit 'tensorflow' works when tfjs-node is present", async () => {
    setModuleLoader(loaderWith([NODE]));
    const info = await initRuntime({ backend: 'tensorflow', log: () => {} });
    expect(info.source).toBe(NODE);
    expect(info.reason).toEqual([`${NODE_GPU}: not installed`, "'tensorflow' requested by options.backend"]);
  });

  it('falls through when a package is installed but fails to load (e.g. a broken native binding)', async () => {
    setModuleLoader(loaderWith([], { [NODE]: new Error('libtensorflow.so.2: cannot open shared object file') }));
    const info = await initRuntime({ log: () => {} });
    expect(info.backend).toBe('wasm');
    expect(info.reason).toEqual([`${NODE_GPU}: not installed`, `${NODE}: failed to load (libtensorflow.so.2: cannot open shared object file)`]);
  });

  it('falls through when a package registers no backend', async () => {
    setModuleLoader(async (specifier) => (specifier === NODE ? {} : loaderWith([])(specifier)));
    const info = await initRuntime({ log: () => {} });
    expect(info.backend).toBe('wasm');
    expect(info.reason[1]).toBe(`${NODE}: loaded, but it registered no 'tensorflow' backend`);
  });

  it('falls through when the backend fails to initialise', async () => {
    setModuleLoader(async (specifier) => {
      if (specifier === NODE) {
        tf.registerBackend('tensorflow', () => {
          throw new Error('no CUDA');
        });
        return {};
      }
      return loaderWith([])(specifier);
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const info = await initRuntime({ log: () => {} });
      expect(info.backend).toBe('wasm');
      expect(info.reason[1]).toBe(`${NODE}: the 'tensorflow' backend failed to initialise`);
      expect(tf.getBackend()).toBe('wasm');
    } finally {
      warn.mockRestore();
    }
  });

  it('falls back to cpu when wasm cannot be loaded', async () => {
    setModuleLoader(loaderWith([], { [WASM]: Object.assign(new Error(`Cannot find package '${WASM}'`), { code: 'ERR_MODULE_NOT_FOUND' }) }));
    const info = await initRuntime({ log: () => {} });
    expect(info).toEqual({
      backend: 'cpu',
      source: CPU,
      reason: [`${NODE_GPU}: not installed`, `${NODE}: not installed`, `${WASM}: not installed`],
    });
  });

  it('throws BACKEND_UNAVAILABLE for auto when nothing works', async () => {
    const missing = (s: string) => Object.assign(new Error(`Cannot find package '${s}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    setModuleLoader(loaderWith([], { [WASM]: missing(WASM), [CPU]: missing(CPU) }));
    await expect(initRuntime({ log: () => {} })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(/No TensorFlow.js backend is available: .*tfjs-backend-cpu: not installed/),
    });
  });

  it('setModuleLoader forgets earlier selections', async () => {
    const first = await initRuntime({ log: () => {} });
    expect(first.backend).toBe('wasm');
    setModuleLoader(loaderWith([NODE]));
    expect((await initRuntime({ log: () => {} })).backend).toBe('tensorflow');
    resetRuntime();
    setModuleLoader();
    removeFakeTensorflowBackend();
    expect((await initRuntime({ log: () => {} })).backend).toBe('wasm');
  });
});

describe('ensureRuntime', () => {
  it('keeps the backend the user chose instead of re-selecting the best one', async () => {
    const { ensureRuntime, initRuntime: init } = await import('./backend.js');
    const tfc = await import('@tensorflow/tfjs-core');
    await init({ backend: 'cpu', log: () => {} });
    expect((await ensureRuntime()).backend).toBe('cpu');
    expect(tfc.getBackend()).toBe('cpu');
    await init({ backend: 'wasm', log: () => {} });
    expect((await ensureRuntime()).backend).toBe('wasm');
    expect(tfc.getBackend()).toBe('wasm');
  });
});
