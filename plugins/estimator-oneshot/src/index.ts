/**
 * @deprecated Import `kendallTau` from `@autonas/core`, its one home; re-exported here for
 * existing callers.
 */
export { kendallTau } from '@autonas/core';
export * from './oneshot-estimator.js';
