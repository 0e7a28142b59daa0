// One data-parallel device: its Replica, its rank in the group, and the step that makes DDP (and ZeRO-1)
// out of them. The step reads as a sentence: next batch (this device's shard), forward and backward per
// micro-step with no communication until the last (no_sync), buckets reduced as backward finishes them,
// wait for the last bucket, clip, step, schedule; with ZeRO-1 each device updates its shard and the
// weights are all-gathered. Every device computes the same decision from the same (reduced) numbers.
// Legend: N = devices, r = rank, K = accum, B = micro-batch, G = N*K*B sequences, T = blockSize,
// P = parameters; shard r = chunkRange(P, N, r). Times are ms; timeline times are epoch ms.

import type { Backend } from '../backend/types';
import { algorithms, broadcast, chunkRange, pieceLayout, ringAllreduceOwned, type Comm } from '../collectives';
import { globalBatch, modelConfigOf, type RunConfig } from '../config';
import { fixedWindows, makeBatch, windowCount } from '../data/dataset';
import { GlobalSampler, shard } from '../data/sampler';
import { numParams, paramSpecs } from '../model/params';
import { clipCoef } from '../optim/clip';
import { lrAt } from '../optim/schedule';
import { evalLoss } from '../train/evaluate';
import { DivergenceError, MIN_SCALE } from '../train/loop';
import { Replica } from '../train/replica';
import { planBuckets, type BucketPlan } from './buckets';
import { collectReport, StepClock, type DeviceStepReport } from './report';
import { yieldToEventLoop } from './yield';

export interface DeviceData {
  train: Uint16Array;
  val: Uint16Array;
  vocabSize: number;
}

export interface DeviceOptions {
  /** Straggler: each micro-step takes this many times its compute time (>= 1). */
  slowFactor?: number;
}

export class DistDevice {
  /** Compute time of the last micro-step (a straggler's delay is a multiple of it). */
  private microComputeMs = 0;
  readonly replica: Replica;
  readonly sampler: GlobalSampler;
  readonly plan: BucketPlan;
  /** This device's ZeRO shard [lo, hi) of the parameters (all of them without ZeRO). */
  readonly lo: number;
  readonly hi: number;
  /** Shard boundaries of all ranks (N+1 offsets). */
  readonly shardBounds: number[];
  /** Optimizer steps done. */
  step = 0;

  constructor(readonly backend: Backend, readonly cfg: RunConfig, readonly comm: Comm, readonly data: DeviceData, readonly opts: DeviceOptions = {}) {
    if (comm.size !== cfg.devices) throw new Error(`group has ${comm.size} ranks but the config asks for ${cfg.devices} devices`);
    const N = comm.size;
    const specs = paramSpecs(modelConfigOf(cfg, data.vocabSize));
    const P = numParams(modelConfigOf(cfg, data.vocabSize));
    this.shardBounds = Array.from({ length: N + 1 }, (_, c) => (c === N ? P : chunkRange(P, N, c)[0]));
    [this.lo, this.hi] = cfg.zero === 1 ? [this.shardBounds[comm.rank], this.shardBounds[comm.rank + 1]] : [0, P];
    this.replica = new Replica(backend, cfg, data.vocabSize, { shard: [this.lo, this.hi] });
    this.sampler = new GlobalSampler(windowCount(data.train.length, cfg.blockSize), globalBatch(cfg), cfg.seed);
    this.plan = planBuckets(specs, cfg.bucketMb * 2 ** 20);
  }

  /** Rank 0's initial weights onto every device (DDP's constructor does the same). */
  async broadcastWeights(): Promise<void> {
    const x = await this.replica.getParams();
    await broadcast(this.comm, x);
    this.replica.setParams(x);
  }

  /** Validation loss on the fixed windows (every device gives the same; device 0 is asked). */
  evaluate(useEma = false): Promise<number> {
    const offsets = fixedWindows(this.data.val.length, this.cfg.blockSize, this.cfg.evalWindows);
    return evalLoss(this.replica, this.data.val, offsets, this.cfg.microBatch, useEma);
  }

  /** One optimizer step on this device; every device of the group must call it together. */
  async trainStep(): Promise<DeviceStepReport> {
    const { cfg, comm, replica: r, plan } = this;
    const N = comm.size, K = cfg.accum, T = cfg.blockSize, G = globalBatch(cfg), it = this.step;
    const clock = new StepClock(comm);
    const lr = lrAt(cfg.schedule, cfg, it);
    const global = this.sampler.globalBatch(it);
    const scale = r.scaler.scale;
    const samples: number[][] = [];
    const algo = algorithms[cfg.allreduce];
    const codec = cfg.compress === 'fp16' ? 'f16' : 'f32';
    const pending: Promise<void>[] = [];
    const filled = new Array<number>(plan.buckets.length).fill(0);

    // A bucket's reduction: copy its gradients out, reduce (allreduce, or reduce-scatter onto the ZeRO
    // shards), copy the result back. Runs concurrently with the rest of backward.
    const launch = (id: number) => {
      const b = plan.buckets[id];
      const t0 = clock.now();
      const p = (async () => {
        if (cfg.zero !== 1 && cfg.allreduce === 'ring' && codec === 'f32') {
          // Zero-copy ring: the backend's reads are fresh buffers we own, so they travel as they are.
          const layout = pieceLayout(comm, b.hi - b.lo).flat();
          const flat = await clock.comm(() => Promise.all(layout.map(([a, e]) => r.readGrads(b.lo + a, b.lo + e).then(owned))));
          let k = 0;
          const ps = pieceLayout(comm, b.hi - b.lo).map((ch) => ch.map(() => flat[k++]));
          await ringAllreduceOwned(comm, ps, b.hi - b.lo);
          clock.commSync(() => ps.flat().forEach((piece, i) => {
            r.writeGrads(piece, b.lo + layout[i][0]);
            comm.pool.give(piece.buffer as ArrayBuffer);
          }));
          clock.event({ kind: 'bucket', bucket: id, bytes: (b.hi - b.lo) * 4, t0, t1: clock.now() });
          return;
        }
        const x = await clock.comm(() => r.readGrads(b.lo, b.hi));
        if (cfg.zero === 1) {
          const bounds = this.shardBounds.map((s) => Math.min(Math.max(s, b.lo), b.hi) - b.lo);
          await algo.reduceScatter(comm, x, { codec, bounds });
          const [a, e] = [bounds[comm.rank], bounds[comm.rank + 1]];
          if (e > a) clock.commSync(() => r.writeGrads(x.subarray(a, e), b.lo + a));
        } else {
          await algo.allreduce(comm, x, { codec });
          clock.commSync(() => r.writeGrads(x, b.lo));
        }
        clock.event({ kind: 'bucket', bucket: id, bytes: x.byteLength, t0, t1: clock.now() });
      })();
      p.catch(() => undefined); // handled when awaited below; keeps a failure from being "unhandled" meanwhile
      pending.push(p);
    };
    const onGradReady = async (i: number) => {
      const id = plan.bucketOf[i];
      if (++filled[id] === plan.buckets[id].specs.length) launch(id);
      if (pending.length) await yieldToEventLoop(); // let peers' messages in: communication overlaps backward
    };

    r.zeroGrads();
    let lossSum = 0;
    for (let k = 0; k < K; k++) {
      const batch = makeBatch(this.data.train, shard(global, cfg, comm.rank, k), T);
      samples.push(batch.offsets);
      const t0 = clock.now();
      // A straggler's extra time comes BEFORE its backward, so its gradients (and the buckets sent
      // from backward) are late and its peers wait in the allreduce, as with a slow GPU. Sized by the
      // previous micro-step's compute (nothing to go on before the first one).
      const slow = this.opts.slowFactor ?? 1;
      if (slow > 1 && this.microComputeMs > 0) await sleep((slow - 1) * this.microComputeMs);
      const t1 = clock.now(), busy0 = comm.busyMs;
      const sync = k === K - 1 && N > 1; // no_sync on all but the last micro-step
      lossSum += await r.microStep(batch, scale / (G * T), sync ? onGradReady : undefined);
      this.microComputeMs = clock.now() - t1 - (comm.busyMs - busy0);
      clock.event({ kind: 'compute', micro: k, t0, t1: clock.now() });
    }
    await clock.idle(() => Promise.all(pending));

    // Every device now holds the same summed gradients (on its shard with ZeRO-1).
    const [lo, hi] = [this.lo, this.hi];
    if (cfg.precision === 'fp16') await r.roundGradsToFp16(lo, hi);
    let { sumsq, nonfinite } = await r.gradStats(lo, hi);
    if (cfg.zero === 1 && N > 1) {
      const s = Float32Array.of(sumsq, nonfinite ? 1 : 0);
      await clock.idle(() => algo.allreduce(comm, s));
      [sumsq, nonfinite] = [s[0], s[1] !== 0 || !Number.isFinite(s[0])];
    }
    if (cfg.precision === 'fp32' && nonfinite) throw new DivergenceError(it + 1, 'a gradient is not finite');
    const skipped = r.scaler.update(nonfinite);
    // every rank saw the same overflow flag, so every rank stops here together
    if (r.scaler.scale < MIN_SCALE) throw new DivergenceError(it + 1, `the fp16 loss scale fell to ${r.scaler.scale} (every step overflows)`);
    const norm = Math.sqrt(sumsq) / scale;
    const tu = clock.now();
    if (!skipped) {
      r.applyUpdate({ lr, unscale: 1 / scale, clipCoef: clipCoef(norm, cfg.clip) });
      if (cfg.zero === 1 && N > 1) {
        const w = await r.getParams();
        await clock.idle(() => algo.allGather(comm, w, { bounds: this.shardBounds }));
        r.setParams(w);
      }
      r.updateEma();
    }
    await this.backend.flush();
    clock.event({ kind: 'update', t0: tu, t1: clock.now() });
    this.step++;
    return collectReport(clock, { rank: comm.rank, step: this.step, lossSum, lr, gradNorm: skipped ? NaN : norm, lossScale: scale, skipped, samples });
  }

  destroy(): void {
    this.replica.destroy();
  }
}

/** x as the whole of its own buffer (a backend read normally is; copy when not). */
const owned = (x: Float32Array): Float32Array => (x.byteOffset === 0 && x.byteLength === x.buffer.byteLength ? x : x.slice());

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
