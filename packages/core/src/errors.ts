/**
 * Every error autonas throws on purpose is an {@link AutonasError} with a stable `code`,
 * so callers can branch on the kind of problem without parsing messages.
 *
 * @example
 * ```ts
 * import { AutonasError, DataError } from '@autonas/core';
 * try {
 *   throw new DataError('LABEL_OUT_OF_RANGE', 'label 12 at index 3 is outside [0, 10)');
 * } catch (e) {
 *   if (e instanceof AutonasError) console.log(e.code); // 'LABEL_OUT_OF_RANGE'
 * }
 * ```
 */
export class AutonasError extends Error {
  /** A stable, machine-readable name of the problem, e.g. `LABEL_OUT_OF_RANGE`. */
  readonly code: string;

  /**
   * @param code - stable machine-readable code
   * @param message - human-readable explanation naming the offending input
   * @param options - standard `cause`
   */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Input data is unusable: wrong shape, NaN, labels out of range, empty, unreadable file. */
export class DataError extends AutonasError {}

/** An architecture is not valid for its search space or cannot be built. */
export class InvalidArchitectureError extends AutonasError {}

/** A configuration or option value is invalid. */
export class ConfigurationError extends AutonasError {}

/** A plugin or extension point was used in a way its contract forbids. */
export class ExtensionError extends AutonasError {}

/** A runtime (backend, kernel) problem. */
export class RuntimeError extends AutonasError {}

/** A saved state (strategy state, store) is unreadable or does not match. */
export class StateError extends AutonasError {}
