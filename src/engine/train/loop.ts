// The single-device training loop. Each optimizer step reads as a sentence: next batch, forward and
// backward per micro-step, (allreduce: the identity on one device), unscale, clip, step, schedule.
// Metrics follow the CLI contract (one object per optimizer step; per-device fields are arrays).
// Legend: G = devices*microBatch*accum sequences per step, T = blockSize, K = accum, step = steps done.

import type { Backend } from '../backend/types';
import { globalBatch, type RunConfig } from '../config';
import { fixedWindows, makeBatch, windowCount, type Dataset } from '../data/dataset';
import { GlobalSampler, shard } from '../data/sampler';
import { clipCoef } from '../optim/clip';
import { lrAt } from '../optim/schedule';
import { evalLoss } from './evaluate';
import { Replica } from './replica';

export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  grad_norm: number;
  loss_scale: number;
  skipped: boolean;
  /** Tokens trained on so far (all devices). */
  tokens: number;
  tokens_per_s: number;
  ms_step: number;
  ms_compute: number[];
  ms_comm: number[];
  ms_idle: number[];
  bytes_sent: number[];
  /** samples[device][microStep] = the window start offsets (into the train token stream). */
  samples: number[][][];
  epoch: number;
  val_loss?: number;
  val_loss_ema?: number;
}

/** Training diverged: a non-finite loss or gradient in fp32, or the fp16 loss scale collapsed. */
export class DivergenceError extends Error {
  constructor(readonly step: number, what: string) {
    super(`training diverged at step ${step}: ${what}; try a lower --lr, --clip 1, or --precision fp32`);
    this.name = 'DivergenceError';
  }
}

/** Below this the fp16 loss scale has backed off ~40 times in a row: the model is producing NaN/inf. */
export const MIN_SCALE = 2 ** -24;

export class SingleDeviceTrainer {
  readonly replica: Replica;
  readonly sampler: GlobalSampler;
  readonly valOffsets: number[];
  /** Optimizer steps done. */
  step = 0;
  tokens = 0;

  constructor(readonly backend: Backend, readonly cfg: RunConfig, readonly data: Dataset) {
    if (cfg.devices !== 1) throw new Error(`the single-device loop runs 1 device, not ${cfg.devices}`);
    // data checks first: a too-short text fails before anything is allocated
    this.sampler = new GlobalSampler(windowCount(data.train.length, cfg.blockSize), globalBatch(cfg), cfg.seed);
    this.valOffsets = fixedWindows(data.val.length, cfg.blockSize, cfg.evalWindows);
    this.replica = new Replica(backend, cfg, data.tokenizer.vocabSize);
  }

  /** Validation loss on the fixed windows (current or EMA weights). */
  evaluate(useEma = false): Promise<number> {
    return evalLoss(this.replica, this.data.val, this.valOffsets, this.cfg.microBatch, useEma);
  }

  /** One optimizer step; returns its metrics (val_loss added every evalEvery steps and at the end). */
  async trainStep(): Promise<StepMetrics> {
    const { cfg, replica: r } = this;
    const T = cfg.blockSize, G = globalBatch(cfg), it = this.step;
    const t0 = performance.now();
    const lr = lrAt(cfg.schedule, cfg, it);
    const global = this.sampler.globalBatch(it);
    const scale = r.scaler.scale;
    const samples: number[][] = [];
    let lossSum = 0;
    r.zeroGrads();
    for (let k = 0; k < cfg.accum; k++) {
      const batch = makeBatch(this.data.train, shard(global, cfg, 0, k), T);
      samples.push(batch.offsets);
      lossSum += await r.microStep(batch, scale / (G * T));
    }
    // allreduce: the identity with one device
    if (cfg.precision === 'fp16') await r.roundGradsToFp16();
    const stats = await r.gradStats();
    const loss = lossSum / (G * T);
    if (cfg.precision === 'fp32' && (stats.nonfinite || !Number.isFinite(loss))) {
      throw new DivergenceError(it + 1, `the ${Number.isFinite(loss) ? 'gradient' : 'loss'} is not finite (loss ${loss})`);
    }
    const skipped = r.scaler.update(stats.nonfinite);
    if (r.scaler.scale < MIN_SCALE) throw new DivergenceError(it + 1, `the fp16 loss scale fell to ${r.scaler.scale} (every step overflows)`);
    const norm = Math.sqrt(stats.sumsq) / scale;
    if (!skipped) {
      r.applyUpdate({ lr, unscale: 1 / scale, clipCoef: clipCoef(norm, cfg.clip) });
      r.updateEma();
    }
    await this.backend.flush();
    const ms = performance.now() - t0;
    this.step++;
    this.tokens += G * T;
    const m: StepMetrics = {
      step: this.step, loss, lr, grad_norm: skipped ? NaN : norm, loss_scale: scale, skipped,
      tokens: this.tokens, tokens_per_s: (G * T * 1000) / ms, ms_step: ms,
      ms_compute: [ms], ms_comm: [0], ms_idle: [0], bytes_sent: [0], samples: [samples], epoch: this.sampler.epochOf(it),
    };
    if ((cfg.evalEvery > 0 && this.step % cfg.evalEvery === 0) || this.step === cfg.steps) {
      m.val_loss = await this.evaluate();
      if (r.ema) m.val_loss_ema = await this.evaluate(true);
    }
    return m;
  }

  destroy(): void {
    this.replica.destroy();
  }
}

/** Train cfg.steps steps on one device, calling onStep after each; returns the trainer (weights inside). */
export async function trainSingle(backend: Backend, cfg: RunConfig, data: Dataset, onStep: (m: StepMetrics) => void | Promise<void>): Promise<SingleDeviceTrainer> {
  const trainer = new SingleDeviceTrainer(backend, cfg, data);
  while (trainer.step < cfg.steps) await onStep(await trainer.trainStep());
  return trainer;
}
