// The bucket reducer (PyTorch DDP's Reducer): during the last micro-step's backward, the model reports
// each parameter whose gradient is final; once every parameter of a bucket is, the bucket's reduction
// starts (copy out, allreduce or reduce-scatter onto the ZeRO shards, copy back) while backward goes on.
// finish() waits for the stragglers. Every rank builds the same plan and launches buckets in the same
// order, so the collectives' op ids agree. With fp16 gradients a bucket is read back as its packed words
// (2 bytes per parameter, decoded on the host), travels with the fp16 codec (2 bytes on the wire) and
// its sum is encoded and written back as packed words; bucket and shard bounds are even there.
// Legend: N = ranks, P = parameters, bucket [lo, hi) of the flat gradient vector; bounds = the N+1 ZeRO
// shard offsets over [0, P).

import { algorithms, pieceLayout, ringAllreduceOwned, type Comm } from '../collectives';
import type { RunConfig } from '../config';
import type { Replica } from '../train/replica';
import type { BucketPlan } from './buckets';
import type { StepClock } from './report';
import { yieldToEventLoop } from './yield';

export class Reducer {
  private filled: number[] = [];
  private pending: Promise<void>[] = [];
  private readonly algo;
  private readonly codec: 'f16' | 'f32';
  /** Bytes of gradient storage per parameter (4 in f32, 2 in packed fp16). */
  private readonly gradBytes: number;

  constructor(
    private readonly replica: Replica,
    private readonly comm: Comm,
    private readonly cfg: RunConfig,
    readonly plan: BucketPlan,
    private readonly shardBounds: number[],
  ) {
    this.algo = algorithms[cfg.allreduce];
    // fp16 gradients already are fp16 values: the fp16 codec sends them as they are stored
    this.codec = cfg.compress === 'fp16' || cfg.precision === 'fp16' ? 'f16' : 'f32';
    this.gradBytes = cfg.precision === 'fp16' ? 2 : 4;
  }

  /** Arm for one backward pass: returns the hook the model calls as each gradient becomes final.
   *  `onFirst` is awaited once the first bucket is launched (fault injection: a device killed mid-allreduce). */
  arm(clock: StepClock, onFirst: (() => Promise<void>) | null = null): (specIndex: number) => Promise<void> {
    this.filled = new Array<number>(this.plan.buckets.length).fill(0);
    this.pending = [];
    return async (i: number) => {
      const id = this.plan.bucketOf[i];
      if (++this.filled[id] === this.plan.buckets[id].specs.length) {
        this.launch(id, clock);
        if (this.pending.length === 1 && onFirst) await onFirst();
      }
      if (this.pending.length) await yieldToEventLoop(); // let peers' messages in: communication overlaps backward
    };
  }

  /** Wait until every launched bucket is reduced; time blocked on peers counts as idle. */
  async finish(clock: StepClock): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await clock.idle(() => Promise.all(pending));
  }

  private launch(id: number, clock: StepClock): void {
    const b = this.plan.buckets[id];
    const t0 = clock.now();
    const ownedRing = this.cfg.zero !== 1 && this.cfg.allreduce === 'ring' && this.codec === 'f32';
    const p = (ownedRing ? this.ringOwned(b.lo, b.hi, clock) : this.reduceCopy(b.lo, b.hi, clock))
      .then(() => clock.event({ kind: 'bucket', bucket: id, bytes: (b.hi - b.lo) * this.gradBytes, t0, t1: clock.now() }));
    p.catch(() => undefined); // handled in finish(); keeps a failure from being "unhandled" meanwhile
    this.pending.push(p);
  }

  /** Zero-copy ring: the backend's reads are fresh buffers we own, so they travel as they are. */
  private async ringOwned(lo: number, hi: number, clock: StepClock): Promise<void> {
    const { comm, replica: r } = this;
    const layout = pieceLayout(comm, hi - lo).flat();
    const flat = await clock.comm(() => Promise.all(layout.map(([a, e]) => r.readGrads(lo + a, lo + e).then(owned))));
    let k = 0;
    const pieces = pieceLayout(comm, hi - lo).map((chunk) => chunk.map(() => flat[k++]));
    await ringAllreduceOwned(comm, pieces, hi - lo);
    clock.commSync(() => pieces.flat().forEach((piece, i) => {
      r.writeGrads(piece, lo + layout[i][0]);
      comm.pool.give(piece.buffer as ArrayBuffer);
    }));
  }

  /** Copy out, reduce (allreduce, or reduce-scatter onto the ZeRO shards), copy back what this rank owns. */
  private async reduceCopy(lo: number, hi: number, clock: StepClock): Promise<void> {
    const { comm, replica: r, codec } = this;
    const x = await clock.comm(() => r.readGrads(lo, hi));
    if (this.cfg.zero === 1) {
      const bounds = this.shardBounds.map((s) => Math.min(Math.max(s, lo), hi) - lo);
      await this.algo.reduceScatter(comm, x, { codec, bounds });
      const [a, e] = [bounds[comm.rank], bounds[comm.rank + 1]];
      if (e > a) clock.commSync(() => r.writeGrads(x.subarray(a, e), lo + a));
    } else {
      await this.algo.allreduce(comm, x, { codec });
      clock.commSync(() => r.writeGrads(x, lo));
    }
  }
}

/** x as the whole of its own buffer (a backend read normally is; copy when not). */
const owned = (x: Float32Array): Float32Array => (x.byteOffset === 0 && x.byteLength === x.buffer.byteLength ? x : x.slice());
