// One device's training state over a Backend: the GPT, its optimizer (state for the parameter range the
// device owns: everything for plain data parallelism, one shard for ZeRO-1), the loss scaler and the
// weight EMA. The API is the pieces a data-parallel step is made of, so a coordinator composes them:
//   zeroGrads; microStep x K (grads += d loss * gradScale); [allreduce readGrads/writeGrads];
//   gradStats(lo, hi) -> global norm and overflow; applyUpdate(lo..hi, lr, unscale, clip); [all-gather].
// Gradients live in the model's GradStore (model/grads.ts): f32, or with `precision: fp16` packed fp16
// that accumulates across micro-batches, read and written as 2 bytes per parameter, and unpacked a
// chunk at a time for the statistics and the update.
// Legend: P = parameters, [lo, hi) = a range of the flat parameter/gradient vector, K = micro-steps.

import type { Backend } from '../backend/types';
import { sub, whole } from '../backend/types';
import { chunks } from '../model/grads';
import type { RunConfig } from '../config';
import { modelConfigOf } from '../config';
import type { Batch } from '../data/dataset';
import { GPT } from '../model/gpt';
import { initParams } from '../model/params';
import { GradMeter, type GradStats } from '../optim/clip';
import { WeightEma } from '../optim/ema';
import { Optimizer, type OptimizerState } from '../optim/optimizers';
import { LossScaler, type ScalerState } from '../optim/scaler';
import { Rng } from '../rng';

export interface ReplicaOptions {
  /** The parameter range whose optimizer state this device owns (ZeRO-1); default [0, P). */
  shard?: [number, number];
}

export interface ReplicaState {
  params: Float32Array;
  optimizer: OptimizerState;
  scaler: ScalerState;
  ema: Float32Array | null;
}

export interface UpdateArgs {
  lr: number;
  /** 1 / loss scale (gradients are still scaled when they reach the optimizer). */
  unscale: number;
  /** Clip coefficient from the GLOBAL gradient norm (1 = no clipping). */
  clipCoef: number;
}

export class Replica {
  readonly model: GPT;
  readonly numParams: number;
  readonly optimizer: Optimizer;
  readonly scaler: LossScaler;
  readonly ema: WeightEma | null;
  readonly lo: number;
  readonly hi: number;
  private readonly meters = new Map<string, GradMeter>();

  /** Builds the model with nanoGPT init from cfg.seed (every device gets the same weights). */
  constructor(readonly backend: Backend, readonly cfg: RunConfig, readonly vocabSize: number, opts: ReplicaOptions = {}) {
    const mc = modelConfigOf(cfg, vocabSize);
    this.model = new GPT(backend, mc, cfg.microBatch, cfg.precision);
    this.numParams = this.model.params.length;
    this.model.setParams(initParams(mc, new Rng(cfg.seed)));
    [this.lo, this.hi] = opts.shard ?? [0, this.numParams];
    this.optimizer = new Optimizer(backend, this.model.specs, cfg, this.lo, this.hi);
    this.scaler = new LossScaler({ enabled: cfg.precision === 'fp16', initScale: cfg.lossScale });
    this.ema = cfg.emaDecay > 0 ? new WeightEma(backend, this.model.params, cfg.emaDecay) : null;
  }

  /** grads = 0 (before the first micro-step of an optimizer step). */
  zeroGrads(): void {
    this.model.zeroGrads();
  }

  /** Forward + backward on one micro-batch; grads += d(loss sum) * gradScale. Returns the loss SUM.
   *  In fp16 each gradient is added into the packed store as soon as backward has finished it (one
   *  rounding per element and micro-batch), so gradients accumulate across micro-batches in fp16. */
  microStep(batch: Batch, gradScale: number, onGradReady?: (specIndex: number) => void | Promise<void>): Promise<number> {
    return this.model.forwardBackward(batch.ids, batch.targets, batch.B, batch.T, gradScale, onGradReady);
  }

  /** A host copy of grads[lo, hi) as f32 (fp16: 2 bytes per element are read back; lo even). */
  readGrads(lo = 0, hi = this.numParams): Promise<Float32Array> {
    return this.model.grads.read(lo, hi);
  }

  /** grads[offset, offset + flat.length) = flat, e.g. the allreduced sum (fp16: rounded to fp16). */
  writeGrads(flat: Float32Array, offset = 0): void {
    this.model.grads.write(flat, offset);
  }

  /** Sum of squares (of the still-scaled gradients) and the overflow flag over grads[lo, hi). */
  gradStats(lo = 0, hi = this.numParams): Promise<GradStats> {
    const key = `${lo}:${hi}`;
    let m = this.meters.get(key);
    if (!m) this.meters.set(key, (m = new GradMeter(this.backend, this.model.specs, lo, hi, Math.min(hi - lo, this.model.grads.room))));
    return m.measure(this.model.grads);
  }

  /** Unscale and clip grads over this device's range (one `scale`), then the optimizer update there; a
   *  chunk of at most the store's room at a time (one chunk in fp32: the gradients are scaled in place). */
  applyUpdate({ lr, unscale, clipCoef }: UpdateArgs): void {
    const s = unscale * clipCoef, g = this.model.grads;
    this.optimizer.tick();
    for (const [a, b] of chunks(this.lo, this.hi, g.room)) {
      const x = g.view(a, b);
      if (s !== 1) this.backend.dispatch('scale', { x, s, n: b - a });
      this.optimizer.update(this.model.params, x, a, b, lr);
    }
  }

  /** ema = d * ema + (1 - d) * params, after the weights are complete (post all-gather with ZeRO-1). */
  updateEma(): void {
    this.ema?.update(this.model.params);
  }

  /** A host copy of params[lo, hi). */
  getParams(lo = 0, hi = this.numParams): Promise<Float32Array> {
    return this.backend.read(sub(whole(this.model.params), lo, hi - lo));
  }

  /** params[offset, offset + flat.length) = flat (broadcast of rank 0's weights, ZeRO-1 all-gather). */
  setParams(flat: Float32Array, offset = 0): void {
    this.backend.write(this.model.params, flat, offset);
  }

  /** Everything needed to resume this device exactly. */
  async exportState(): Promise<ReplicaState> {
    return {
      params: await this.getParams(),
      optimizer: await this.optimizer.exportState(),
      scaler: this.scaler.exportState(),
      ema: this.ema ? await this.ema.read() : null,
    };
  }

  importState(s: ReplicaState): void {
    if (s.params.length !== this.numParams) throw new Error(`state has ${s.params.length} parameters, the model has ${this.numParams}`);
    this.setParams(s.params);
    this.optimizer.importState(s.optimizer);
    this.scaler.importState(s.scaler);
    if (this.ema && s.ema) this.ema.write(s.ema);
    else if (this.ema) this.ema.reset(this.model.params);
  }

  destroy(): void {
    this.optimizer.destroy();
    this.ema?.destroy();
    for (const m of this.meters.values()) m.destroy();
    this.model.destroy();
  }
}
