// The run's data as nanoGPT's char-level files, as data/shakespeare_char/prepare.py writes them:
// train.bin and val.bin are the token ids as uint16, little-endian (numpy's native order on the machines
// nanoGPT runs on: train.py memory-maps them with dtype=np.uint16), no header; the vocabulary travels as
// vocab.json (the CharTokenizer's JSON array, index = id), which the converter turns into meta.pkl.
// Legend: V = vocabulary size (<= 65535, so every id fits uint16).

import { leBytes } from '../bytes';
import { ExportError } from './errors';

/** The bytes of train.bin / val.bin for a token stream; throws ExportError DATA for an id outside the
 *  vocabulary (the model could not embed it). */
export function tokenBin(tokens: Uint16Array, vocabSize: number, what: string): Uint8Array {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] >= vocabSize) throw new ExportError('DATA', `${what} token ${i} is ${tokens[i]}, outside the vocabulary of ${vocabSize}`);
  }
  return leBytes(tokens).slice(); // a copy: the caller's stream stays its own
}

/** The token ids of a train.bin / val.bin file (the inverse of tokenBin). */
export function readTokenBin(bytes: Uint8Array): Uint16Array {
  if (bytes.length % 2 !== 0) throw new RangeError(`a uint16 token file has an even length, not ${bytes.length}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Uint16Array.from({ length: bytes.length / 2 }, (_, i) => dv.getUint16(2 * i, true));
}
