// A tokenized text split into train (first 90%) and validation (last 10%) token streams, fixed
// validation windows, and the batch arrays the model takes. Offsets index the train (or val) stream.
// Legend: T = blockSize, a window is T+1 tokens (inputs t..t+T-1, targets t+1..t+T), B = sequences.

import { CharTokenizer } from './tokenizer';

/** The data cannot serve the requested windows or batches (too short for the context or the batch). */
export class DataError extends Error {
  override name = 'DataError';
}

export interface Dataset {
  name: string;
  tokenizer: CharTokenizer;
  train: Uint16Array;
  val: Uint16Array;
}

/** Tokenize `text` with its own vocabulary (or `tokenizer`) and split it; the last valFraction is validation. */
export function makeDataset(name: string, text: string, valFraction = 0.1, tokenizer?: CharTokenizer): Dataset {
  const tok = tokenizer ?? CharTokenizer.fromText(text);
  const ids = tok.encode(text);
  const nVal = Math.floor(ids.length * valFraction);
  return { name, tokenizer: tok, train: ids.subarray(0, ids.length - nVal), val: ids.subarray(ids.length - nVal) };
}

/** Number of window start offsets in a stream for context T (a window needs T+1 tokens). */
export const windowCount = (streamLength: number, T: number): number => Math.max(0, streamLength - T);

/** `count` validation window offsets spread evenly over the stream, the same for every batch split. */
export function fixedWindows(streamLength: number, T: number, count: number): number[] {
  const last = streamLength - (T + 1);
  if (last < 0) throw new DataError(`validation split has ${streamLength} tokens, fewer than one window of ${T + 1}`);
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * last) / (count - 1)));
}

export interface Batch {
  ids: Float32Array;
  targets: Float32Array;
  B: number;
  T: number;
  /** Start offsets of the B windows in their stream. */
  offsets: number[];
}

/** Inputs and shifted targets of windows starting at `offsets` (ids as f32, exact below 2^24). */
export function makeBatch(stream: Uint16Array, offsets: ArrayLike<number>, T: number): Batch {
  const B = offsets.length;
  const ids = new Float32Array(B * T), targets = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const o = offsets[b];
    if (o < 0 || o + T + 1 > stream.length) throw new RangeError(`window at ${o} leaves the stream (${stream.length} tokens)`);
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = stream[o + t];
      targets[b * T + t] = stream[o + t + 1];
    }
  }
  return { ids, targets, B, T, offsets: Array.from(offsets) };
}
