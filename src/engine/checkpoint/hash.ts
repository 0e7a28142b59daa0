// SHA-256 through WebCrypto (globalThis.crypto.subtle: browsers, workers, Node >= 20), as lowercase hex.
// A tensor's hash is over its little-endian f32 bytes, exactly the bytes a safetensors file holds, so
// the hash recorded at save time checks the file, the IndexedDB record and the in-memory copy alike.
// Cost: ~2-4 ms per MB on one core (native code); the default model's full state is ~1.3 MB.

import { leBytes } from '../bytes';

/** SHA-256 of bytes as 64 lowercase hex characters. Throws if WebCrypto is missing. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('WebCrypto (crypto.subtle) is not available: checkpoints need SHA-256');
  // digest reads only the view's bytes, not the whole underlying buffer
  const d = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let s = '';
  for (const b of d) s += b.toString(16).padStart(2, '0');
  return s;
}

/** SHA-256 hex of an f32 tensor's little-endian bytes. */
export const hashTensor = (data: Float32Array): Promise<string> => sha256Hex(leBytes(data));

/** SHA-256 hex of a token stream (u16 little-endian): the identity of the training data a checkpoint
 *  was trained on, so a resume on other data is refused rather than silently continued. */
export const hashTokens = (tokens: Uint16Array): Promise<string> => sha256Hex(leBytes(tokens));

/** True for 64 lowercase hex characters. */
export const isSha256Hex = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
