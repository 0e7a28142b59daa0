// One data-parallel device: its Replica, its rank in the group, and the step that makes DDP (and ZeRO-1)
// out of them. trainStep reads as the sentence: zero the gradients; forward and backward per micro-step
// with no communication until the last (no_sync), whose backward launches the buckets as gradients
// become final; finish the reducer; gradient statistics; loss scaler; update (clip inside); all-gather
// the weights (ZeRO-1); EMA. Every device computes the same decision from the same (reduced) numbers.
// Legend: N = devices, r = rank, K = accum, B = micro-batch, G = N*K*B sequences, T = blockSize,
// P = parameters; shard r = chunkRange(P, N, r) (in fp16, of the P/2 packed words, so every shard
// starts on a word). Times are ms; timeline times are epoch ms.

import type { Backend } from '../backend/types';
import { algorithms, broadcast, chunkRange, type Comm } from '../collectives';
import { globalBatch, modelConfigOf, type RunConfig } from '../config';
import { fixedWindows, makeBatch, windowCount, type Batch } from '../data/dataset';
import { GlobalSampler, shard } from '../data/sampler';
import { DivergenceError } from '../errors';
import { numParams, paramSpecs } from '../model/params';
import { clipCoef } from '../optim/clip';
import { MIN_SCALE } from '../optim/scaler';
import { lrAt } from '../optim/schedule';
import { evalLoss } from '../train/evaluate';
import { Replica } from '../train/replica';
import { planBuckets } from './buckets';
import { Reducer } from './reducer';
import { collectReport, StepClock, type DeviceStepReport } from './report';

export interface DeviceData {
  train: Uint16Array;
  val: Uint16Array;
  vocabSize: number;
}

/** One micro-batch of a step's global batch: micro-step k of rank `rank` in the split cfg describes. */
export interface WorkItem { rank: number; k: number }

export interface DeviceOptions {
  /** Straggler: each micro-step takes this many times its compute time (>= 1). */
  slowFactor?: number;
  /** The micro-batches this device trains each step (default: its own rank's K). Given when the group is
   *  smaller than cfg.devices (after elastic recovery): the same global batch over fewer devices. */
  work?: WorkItem[];
}

/** Rank r's own micro-batches in the split of cfg. */
export const ownWork = (r: number, K: number): WorkItem[] => Array.from({ length: K }, (_, k) => ({ rank: r, k }));

export class DistDevice {
  /** Compute time of the last micro-step (a straggler's delay is a multiple of it). */
  private microComputeMs = 0;
  readonly replica: Replica;
  readonly sampler: GlobalSampler;
  private reducer: Reducer;
  /** This device's ZeRO shard [lo, hi) of the parameters (all of them without ZeRO). */
  readonly lo: number;
  readonly hi: number;
  /** Shard boundaries of all ranks (N+1 offsets). */
  readonly shardBounds: number[];
  /** The micro-batches this device trains each step. */
  work: WorkItem[];
  /** Optimizer steps done. */
  step = 0;
  /** Called once the first bucket of a step's allreduce has been launched (fault injection waits here). */
  onAllreduce: (() => Promise<void>) | null = null;

  constructor(readonly backend: Backend, readonly cfg: RunConfig, public comm: Comm, readonly data: DeviceData, readonly opts: DeviceOptions = {}) {
    if (comm.size !== cfg.devices && !opts.work) throw new Error(`group has ${comm.size} ranks but the config asks for ${cfg.devices} devices`);
    this.work = opts.work ?? ownWork(comm.rank, cfg.accum);
    const N = comm.size;
    const mc = modelConfigOf(cfg, data.vocabSize);
    const P = numParams(mc);
    const unit = cfg.precision === 'fp16' ? 2 : 1; // fp16 gradients are packed two per word
    this.shardBounds = Array.from({ length: N + 1 }, (_, c) => (c === N ? P : unit * chunkRange(P / unit, N, c)[0]));
    [this.lo, this.hi] = cfg.zero === 1 ? [this.shardBounds[comm.rank], this.shardBounds[comm.rank + 1]] : [0, P];
    // data checks first: a too-short text fails before anything is allocated
    this.sampler = new GlobalSampler(windowCount(data.train.length, cfg.blockSize), globalBatch(cfg), cfg.seed);
    this.replica = new Replica(backend, cfg, data.vocabSize, { shard: [this.lo, this.hi] });
    this.reducer = new Reducer(this.replica, comm, cfg, planBuckets(paramSpecs(mc), cfg.bucketMb * 2 ** 20), this.shardBounds);
  }

  /** Go on in a smaller group (elastic recovery without ZeRO-1): a new rank and ring, the same weights and
   *  optimizer state, and this device's share of the global batch. */
  regroup(comm: Comm, work: WorkItem[]): void {
    if (this.cfg.zero === 1) throw new Error('regroup: with ZeRO-1 a lost device takes its optimizer shard with it; restore from a checkpoint');
    this.comm = comm;
    this.work = work;
    this.reducer = new Reducer(this.replica, comm, this.cfg, this.reducer.plan, [0, this.hi]);
  }

  /** Rank 0's initial weights onto every device (DDP's constructor does the same). */
  async broadcastWeights(): Promise<void> {
    if (this.comm.size === 1) return;
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
    const { cfg, comm, replica: r, work } = this;
    const it = this.step;
    const clock = new StepClock(comm);
    const lr = lrAt(cfg.schedule, cfg, it);
    const scale = r.scaler.scale;
    const global = this.sampler.globalBatch(it);

    r.zeroGrads();
    const samples: number[][] = [];
    let lossSum = 0;
    for (const [i, w] of work.entries()) {
      const batch = makeBatch(this.data.train, shard(global, cfg, w.rank, w.k), cfg.blockSize);
      samples.push(batch.offsets);
      const sync = i === work.length - 1 && comm.size > 1; // no_sync on all but the last micro-step
      lossSum += await this.microStep(batch, i, scale, clock, sync);
    }
    await this.reducer.finish(clock);
    const { sumsq, nonfinite } = await this.gradStats(clock);
    if (cfg.precision === 'fp32' && (nonfinite || !Number.isFinite(lossSum))) {
      throw new DivergenceError(it + 1, `the ${Number.isFinite(lossSum) ? 'gradient' : 'loss'} is not finite`);
    }
    const skipped = r.scaler.update(nonfinite);
    // every rank saw the same overflow flag, so every rank stops here together
    if (r.scaler.scale < MIN_SCALE) throw new DivergenceError(it + 1, `the fp16 loss scale fell to ${r.scaler.scale} (every step overflows)`);
    const norm = Math.sqrt(sumsq) / scale;
    const tu = clock.now();
    if (!skipped) {
      r.applyUpdate({ lr, unscale: 1 / scale, clipCoef: clipCoef(norm, cfg.clip) });
      await this.allGatherParams(clock);
      r.updateEma();
    }
    await this.backend.flush();
    clock.event({ kind: 'update', t0: tu, t1: clock.now() });
    this.step++;
    return collectReport(clock, { rank: comm.rank, step: this.step, lossSum, lr, gradNorm: skipped ? NaN : norm, lossScale: scale, skipped, samples });
  }

  /** Forward + backward of micro-step k (grads += d loss * scale / (G*T)); on the last one with peers,
   *  the reducer's hook launches buckets as gradients become final. Returns the loss sum. */
  private async microStep(batch: Batch, k: number, scale: number, clock: StepClock, sync: boolean): Promise<number> {
    const t0 = clock.now();
    // A straggler's extra time comes BEFORE its backward, so its gradients (and the buckets sent from
    // backward) are late and its peers wait in the allreduce, as with a slow GPU. Sized by the previous
    // micro-step's compute (nothing to go on before the first one).
    const slow = this.opts.slowFactor ?? 1;
    if (slow > 1 && this.microComputeMs > 0) await sleep((slow - 1) * this.microComputeMs);
    const t1 = clock.now(), busy0 = this.comm.busyMs;
    const gradScale = scale / (globalBatch(this.cfg) * this.cfg.blockSize);
    const loss = await this.replica.microStep(batch, gradScale, sync ? this.reducer.arm(clock, this.onAllreduce) : undefined);
    this.microComputeMs = clock.now() - t1 - (this.comm.busyMs - busy0);
    clock.event({ kind: 'compute', micro: k, t0, t1: clock.now() });
    return loss;
  }

  /** Sum of squares and overflow of the (summed, still scaled) gradients over all ranks; with ZeRO-1
   *  each rank measures its shard and the two numbers are allreduced. */
  private async gradStats(clock: StepClock): Promise<{ sumsq: number; nonfinite: boolean }> {
    const { cfg, comm, replica: r } = this;
    const { sumsq, nonfinite } = await r.gradStats(this.lo, this.hi);
    if (cfg.zero !== 1 || comm.size === 1) return { sumsq, nonfinite };
    const s = Float32Array.of(sumsq, nonfinite ? 1 : 0);
    await clock.idle(() => algorithms[cfg.allreduce].allreduce(comm, s));
    return { sumsq: s[0], nonfinite: s[1] !== 0 || !Number.isFinite(s[0]) };
  }

  /** ZeRO-1: each rank updated its shard; gather everyone's into the full weights. */
  private async allGatherParams(clock: StepClock): Promise<void> {
    if (this.cfg.zero !== 1 || this.comm.size === 1) return;
    const w = await this.replica.getParams();
    await clock.idle(() => algorithms[this.cfg.allreduce].allGather(this.comm, w, { bounds: this.shardBounds }));
    this.replica.setParams(w);
  }

  destroy(): void {
    this.replica.destroy();
  }
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
