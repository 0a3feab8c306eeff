import { Decoder, ExtensionCodec, encode } from '@msgpack/msgpack';
import { StateError } from '@autonas/core';

/** Largest message (job data, result, progress) accepted from Redis: 16 MiB. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Encodes plain data as base64 MessagePack (keeps NaN and Infinity, which JSON would turn into null). */
export function pack(value: unknown): string {
  return Buffer.from(encode(value, { ignoreUndefined: true })).toString('base64');
}

/**
 * Decodes what {@link pack} wrote; refuses a message over {@link MAX_MESSAGE_BYTES} before decoding
 * it, and anything that is not MessagePack, with a `StateError`.
 */
export function unpack(text: unknown, what: string): unknown {
  if (typeof text !== 'string') throw new StateError('BAD_MESSAGE', `the ${what} from Redis is not a packed string (${typeof text})`);
  if (text.length > (MAX_MESSAGE_BYTES * 4) / 3 + 4) throw new StateError('MESSAGE_TOO_LARGE', `the ${what} from Redis is over ${MAX_MESSAGE_BYTES} bytes; refused without decoding it`);
  try {
    return new Decoder({ maxStrLength: MAX_MESSAGE_BYTES, maxBinLength: MAX_MESSAGE_BYTES, maxArrayLength: MAX_MESSAGE_BYTES, maxMapLength: MAX_MESSAGE_BYTES, maxExtLength: 0 }).decode(Buffer.from(text, 'base64'));
  } catch (e) {
    throw new StateError('BAD_MESSAGE', `the ${what} from Redis is corrupt: ${(e as Error).message}`, { cause: e });
  }
}

/** Largest estimator spec (stored once per search, it may carry the trials' data): 1 GiB. */
export const MAX_SPEC_BYTES = 1024 * 1024 * 1024;

// Typed arrays keep their type across Redis (plain MessagePack would turn them into bytes).
const TYPED = [Float32Array, Int32Array, Float64Array, Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array] as const;
const typed = new ExtensionCodec();
TYPED.forEach((Ctor, i) => {
  typed.register({
    type: i + 1,
    encode: (v: unknown) => (v instanceof Ctor && !(Ctor === Uint8Array && v.constructor !== Uint8Array) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : null),
    decode: (bytes: Uint8Array) => {
      if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new StateError('BAD_MESSAGE', `a ${Ctor.name} of ${bytes.byteLength} bytes`);
      const copy = new Uint8Array(bytes); // aligned, and not a view of the whole message
      return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
    },
  });
});

/**
 * Encodes plain data with its typed arrays (Float32Array, Int32Array, …) kept as such, as binary
 * MessagePack: how an estimator spec that carries datasets is stored in Redis.
 * @example
 * ```ts
 * import { packBinary, unpackBinary } from '@autonas/runner-bullmq';
 * const back = unpackBinary(packBinary({ x: new Float32Array([0.5, 2]) }), 'example') as { x: Float32Array };
 * console.log(back.x instanceof Float32Array, back.x[1]); // true 2
 * ```
 */
export function packBinary(value: unknown): Buffer {
  const bytes = encode(value, { ignoreUndefined: true, extensionCodec: typed });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes what {@link packBinary} wrote; refuses one over `maxBytes` (default {@link MAX_SPEC_BYTES}) or corrupt, with a `StateError`. */
export function unpackBinary(bytes: unknown, what: string, maxBytes = MAX_SPEC_BYTES): unknown {
  if (!(bytes instanceof Uint8Array)) throw new StateError('BAD_MESSAGE', `the ${what} from Redis is not binary (${bytes === null ? 'missing' : typeof bytes})`);
  if (bytes.byteLength > maxBytes) throw new StateError('MESSAGE_TOO_LARGE', `the ${what} from Redis is over ${maxBytes} bytes; refused without decoding it`);
  try {
    return new Decoder({ extensionCodec: typed, maxStrLength: maxBytes, maxBinLength: maxBytes, maxArrayLength: maxBytes, maxMapLength: maxBytes, maxExtLength: maxBytes }).decode(bytes);
  } catch (e) {
    if (e instanceof StateError) throw e;
    throw new StateError('BAD_MESSAGE', `the ${what} from Redis is corrupt: ${(e as Error).message}`, { cause: e });
  }
}
