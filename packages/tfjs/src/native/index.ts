export { loadNativeAddon, nativeAddonPath, type NativeAddon, type NativeAddonStatus } from './addon.js';
export {
  isNativeKernel,
  NATIVE_KERNELS,
  registerNativeKernels,
  restoreNativeKernels,
  type NativeKernel,
  type NativeKernelOptions,
  type NativeKernelsInfo,
} from './native-kernels.js';
export type { NativeRuntime } from './start.js';
