// The global sampler: the G sequences of optimizer step t depend only on (seed, t, G), never on how G
// is split. An epoch is a seeded permutation of every window start offset in the train stream; step t
// takes the next G entries; the remainder of an epoch (< G windows) is dropped, so no window repeats
// within an epoch and every step's batch lies in one epoch. The split is a pure function:
// device d, micro-step k -> its B entries (device-major: d owns a contiguous K*B part of the global batch).
// Legend: W = windows per epoch, G = N*K*B, N = devices, K = accumulation steps, B = micro-batch.

import { Rng } from '../rng';
import { DataError } from './dataset';

export interface Split { devices: number; accum: number; microBatch: number }

/** Salt so the permutation stream differs from the model-initialisation stream of the same seed. */
const SAMPLER_SALT = 0x5eed5a3d;

export class GlobalSampler {
  readonly stepsPerEpoch: number;
  private epoch = -1;
  private perm = new Uint32Array(0);

  constructor(readonly windows: number, readonly G: number, readonly seed: number) {
    if (!(G >= 1)) throw new RangeError(`global batch must be >= 1, got ${G}`);
    this.stepsPerEpoch = Math.floor(windows / G);
    if (this.stepsPerEpoch < 1) throw new DataError(`the training split has ${windows} windows, fewer than one global batch of ${G} sequences`);
  }

  /** The epoch's permutation of all window offsets (cached: one epoch at a time). */
  private permutation(epoch: number): Uint32Array {
    if (epoch !== this.epoch) {
      const p = new Uint32Array(this.windows);
      for (let i = 0; i < p.length; i++) p[i] = i;
      new Rng(((this.seed + epoch) ^ SAMPLER_SALT) >>> 0).shuffle(p);
      this.perm = p;
      this.epoch = epoch;
    }
    return this.perm;
  }

  /** Epoch of 0-based step t. */
  epochOf(t: number): number {
    return Math.floor(t / this.stepsPerEpoch);
  }

  /** The G window offsets of 0-based optimizer step t. */
  globalBatch(t: number): Uint32Array {
    const start = (t % this.stepsPerEpoch) * this.G;
    return this.permutation(this.epochOf(t)).slice(start, start + this.G);
  }
}

/** The B offsets of device d at micro-step k, from a step's global batch. */
export function shard(global: ArrayLike<number>, s: Split, d: number, k: number): number[] {
  if (global.length !== s.devices * s.accum * s.microBatch) {
    throw new RangeError(`global batch of ${global.length} does not split into ${s.devices} x ${s.accum} x ${s.microBatch}`);
  }
  if (d < 0 || d >= s.devices || k < 0 || k >= s.accum) throw new RangeError(`no shard for device ${d}, micro-step ${k}`);
  const start = (d * s.accum + k) * s.microBatch;
  return Array.from({ length: s.microBatch }, (_, i) => global[start + i]);
}
