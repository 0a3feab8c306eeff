import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * SHA-256 of a string's UTF-8 bytes, as 64 hex digits, by `@noble/hashes` (audited, pure
 * JavaScript), so the core runs unchanged in browsers and Node.
 *
 * @example
 * ```ts
 * import { sha256Hex } from '@autonas/core';
 * sha256Hex('abc'); // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 * ```
 */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
