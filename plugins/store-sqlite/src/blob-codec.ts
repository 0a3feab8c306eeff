import { Decoder, Encoder, ExtensionCodec, type ExtensionCodecType } from '@msgpack/msgpack';
import { StateError } from '@autonas/core';

/** Typed arrays a blob keeps exactly (element type and every bit, NaN payloads and -0 included). */
const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

/** Extension type of the first typed array; msgpack leaves 0–127 to applications. */
const EXT_BASE = 0x20;

const KNOWN_EXT = new Set<number>([-1, ...TYPED_ARRAYS.map((_, i) => EXT_BASE + i)]);

function typedArrayCodec(): ExtensionCodecType<undefined> {
  const codec = new ExtensionCodec();
  TYPED_ARRAYS.forEach((Ctor, i) => {
    codec.register({
      type: EXT_BASE + i,
      encode: (input) => {
        if (!(input instanceof Ctor) || input.constructor !== Ctor) return null;
        // Raw element bytes, in this (little-endian) machine's order.
        return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
      },
      decode: (data) => {
        if (data.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
          throw new StateError('BAD_BLOB', `a ${Ctor.name} in the blob has ${data.byteLength} bytes, not a multiple of ${Ctor.BYTES_PER_ELEMENT}`);
        }
        // Copy into a fresh, aligned buffer: the result never aliases the database's buffer.
        const bytes = new Uint8Array(data.byteLength);
        bytes.set(data);
        return new Ctor(bytes.buffer, 0, data.byteLength / Ctor.BYTES_PER_ELEMENT);
      },
    });
  });
  return {
    tryToEncode: (object, context) => codec.tryToEncode(object, context),
    // An unknown extension would decode to an opaque ExtData object; refuse it instead.
    decode: (data, type, context) => {
      if (!KNOWN_EXT.has(type)) throw new StateError('BAD_BLOB', `unknown MessagePack extension type ${type}`);
      return codec.decode(data, type, context);
    },
  };
}

const codec = typedArrayCodec();
const encoder = new Encoder({ extensionCodec: codec, ignoreUndefined: true });

/** Default largest blob read back: 256 MiB. */
export const DEFAULT_MAX_BLOB_BYTES = 256 * 1024 * 1024;

/**
 * Encodes plain data as MessagePack. Typed arrays keep their type and exact bytes; `Date`s
 * survive as msgpack timestamps; `undefined` properties are dropped (as in JSON); other objects
 * are stored as maps of their own properties. Functions and symbols are refused: a blob is data,
 * never code.
 *
 * @param value - plain data (objects, arrays, strings, numbers, booleans, null, typed arrays)
 * @returns the MessagePack bytes
 * @example
 * ```ts
 * import { decodeBlob, encodeBlob } from '@autonas/store-sqlite';
 * const bytes = encodeBlob({ weights: new Float32Array([0.5, NaN]) });
 * const back = decodeBlob(bytes) as { weights: Float32Array };
 * console.log(back.weights instanceof Float32Array); // true
 * ```
 */
export function encodeBlob(value: unknown): Uint8Array {
  try {
    return encoder.encode(value);
  } catch (e) {
    throw new StateError('UNENCODABLE_BLOB', `cannot store this value as a blob: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Decodes a blob written by {@link encodeBlob}, after refusing one larger than `maxBytes`.
 * Decoding never runs code: MessagePack has no executable type, extension types other than
 * typed arrays and timestamps are refused, and a `__proto__` key is rejected.
 *
 * @param bytes - the blob
 * @param maxBytes - largest blob accepted (default 256 MiB)
 * @param what - what the blob is, for error messages
 * @returns the decoded value
 * @throws StateError `BLOB_TOO_LARGE` or `BAD_BLOB`
 * @example
 * ```ts
 * import { decodeBlob, encodeBlob } from '@autonas/store-sqlite';
 * console.log(decodeBlob(encodeBlob([1, 2]), 1024)); // [1, 2]
 * ```
 */
export function decodeBlob(bytes: Uint8Array, maxBytes = DEFAULT_MAX_BLOB_BYTES, what = 'blob'): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new StateError('BLOB_TOO_LARGE', `the ${what} is ${bytes.byteLength} bytes, over the limit of ${maxBytes}; refused without decoding it`);
  }
  const decoder = new Decoder({
    extensionCodec: codec,
    maxStrLength: maxBytes,
    maxBinLength: maxBytes,
    maxArrayLength: maxBytes,
    maxMapLength: maxBytes,
    maxExtLength: maxBytes,
  });
  try {
    return decoder.decode(bytes);
  } catch (e) {
    if (e instanceof StateError) throw new StateError(e.code, `the ${what} is corrupt: ${e.message}`, { cause: e });
    throw new StateError('BAD_BLOB', `the ${what} is corrupt or not a MessagePack blob: ${(e as Error).message}`, { cause: e });
  }
}
