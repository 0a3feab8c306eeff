import { Decoder, encode } from '@msgpack/msgpack';
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
