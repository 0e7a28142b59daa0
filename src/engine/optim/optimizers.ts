// Optimizers as a small table over the backend's 'adamw' and 'sgd' kernels. The state (AdamW m, v; SGD
// momentum buffer) lives on the backend and covers only the parameter range [lo, hi) this device owns
// (the whole vector for plain data parallelism, one shard for ZeRO-1). Weight decay applies only where
// ParamSpec.decay (2-D weights), so the range is cut into runs of equal decay, one dispatch per run.
// An update may also come in pieces [a, b) of the range (fp16 gradients are unpacked a chunk at a time):
// tick() counts the step once, then update() runs per piece.
// Legend: P = number of parameters, n = elements in a run. State costs 8 bytes/param (AdamW) or 4 (SGD).

import type { Backend, Buffer, Slice } from '../backend/types';
import { sub, whole } from '../backend/types';

export type OptimizerName = 'adamw' | 'sgd';

export interface OptimHyper {
  optimizer: OptimizerName;
  weightDecay: number;
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** What the optimizer needs to know of a parameter (a subset of the model's ParamSpec). */
export interface ParamRange { offset: number; size: number; decay: boolean }

interface RunArgs { p: Slice; g: Slice; state: Slice[]; n: number; lr: number; wd: number; t: number; h: OptimHyper }

interface OptimizerDef {
  /** Names of the per-parameter state buffers. */
  slots: (h: OptimHyper) => string[];
  /** Dispatch one update over a run of parameters; t is the 1-based count of applied updates. */
  run(backend: Backend, a: RunArgs): void;
}

export const optimizers: Record<OptimizerName, OptimizerDef> = {
  adamw: {
    slots: () => ['m', 'v'],
    run: (be, { p, g, state: [m, v], n, lr, wd, t, h }) =>
      be.dispatch('adamw', { p, g, m, v, n, lr, wd, beta1: h.beta1, beta2: h.beta2, eps: h.eps, bc1: 1 - h.beta1 ** t, bc2: 1 - h.beta2 ** t }),
  },
  sgd: {
    // plain SGD (momentum 0) keeps no state; the kernel ignores `buf` then, so p stands in for it
    slots: (h) => (h.momentum > 0 ? ['momentum_buffer'] : []),
    run: (be, { p, g, state: [buf], n, lr, wd, t, h }) => be.dispatch('sgd', { p, g, buf: buf ?? p, n, lr, wd, momentum: h.momentum, first: t === 1 }),
  },
};

export interface OptimizerState { optimizer: OptimizerName; lo: number; hi: number; t: number; slots: Float32Array[] }

/** Contiguous runs of equal `decay` inside [lo, hi). */
export function decayRuns(specs: ParamRange[], lo: number, hi: number): { offset: number; n: number; decay: boolean }[] {
  const runs: { offset: number; n: number; decay: boolean }[] = [];
  for (const s of specs) {
    const a = Math.max(lo, s.offset), b = Math.min(hi, s.offset + s.size);
    if (a >= b) continue;
    const last = runs[runs.length - 1];
    if (last && last.decay === s.decay && last.offset + last.n === a) last.n += b - a;
    else runs.push({ offset: a, n: b - a, decay: s.decay });
  }
  return runs;
}

/** One device's optimizer over parameters [lo, hi). */
export class Optimizer {
  readonly def: OptimizerDef;
  readonly state: Buffer[];
  /** Applied updates so far (skipped fp16 steps do not count, as in torch). */
  t = 0;

  constructor(private readonly backend: Backend, private readonly specs: ParamRange[], readonly h: OptimHyper, readonly lo: number, readonly hi: number) {
    if (!(lo >= 0 && hi > lo)) throw new RangeError(`optimizer range [${lo}, ${hi}) is empty`);
    this.def = optimizers[h.optimizer];
    this.state = this.def.slots(h).map((s) => backend.alloc(hi - lo, `${h.optimizer}.${s}`));
  }

  /** Update params[lo, hi) from grads[lo, hi) (already unscaled and clipped) with learning rate lr. */
  step(params: Buffer, grads: Buffer, lr: number): void {
    this.tick();
    this.update(params, sub(whole(grads), this.lo, this.hi - this.lo), this.lo, this.hi, lr);
  }

  /** Count one applied update (t += 1): once per optimizer step, before its update() calls. */
  tick(): void {
    this.t++;
  }

  /** Update params[a, b) (inside [lo, hi)) from g, the gradients of [a, b) (unscaled and clipped), at the
   *  step count of the last tick(). */
  update(params: Buffer, g: Slice, a: number, b: number, lr: number): void {
    if (!(a >= this.lo && b <= this.hi && g.length >= b - a)) throw new RangeError(`optimizer: update of [${a}, ${b}) outside [${this.lo}, ${this.hi}) or longer than its ${g.length} gradients`);
    const P = whole(params);
    for (const r of this.runsOf(a, b)) {
      const state = this.state.map((s) => sub(whole(s), r.offset - this.lo, r.n));
      this.def.run(this.backend, { p: sub(P, r.offset, r.n), g: sub(g, r.offset - a, r.n), state, n: r.n, lr, wd: r.decay ? this.h.weightDecay : 0, t: this.t, h: this.h });
    }
  }

  /** The decay runs of [a, b): the ranges a device updates are the same every step, so found once. */
  private readonly runs = new Map<string, ReturnType<typeof decayRuns>>();
  private runsOf(a: number, b: number): ReturnType<typeof decayRuns> {
    const k = `${a}:${b}`;
    let r = this.runs.get(k);
    if (!r) this.runs.set(k, (r = decayRuns(this.specs, a, b)));
    return r;
  }

  /** A host copy of the state (for checkpoints). */
  async exportState(): Promise<OptimizerState> {
    const slots = await Promise.all(this.state.map((b) => this.backend.read(b)));
    return { optimizer: this.h.optimizer, lo: this.lo, hi: this.hi, t: this.t, slots };
  }

  /** Restore a state exported by a matching optimizer. */
  importState(s: OptimizerState): void {
    if (s.optimizer !== this.h.optimizer || s.lo !== this.lo || s.hi !== this.hi || s.slots.length !== this.state.length) {
      throw new Error(`optimizer state is for ${s.optimizer} [${s.lo}, ${s.hi}), not ${this.h.optimizer} [${this.lo}, ${this.hi})`);
    }
    s.slots.forEach((d, i) => {
      if (d.length !== this.hi - this.lo) throw new Error(`optimizer state slot ${i} has ${d.length} values, expected ${this.hi - this.lo}`);
      this.backend.write(this.state[i], d);
    });
    this.t = s.t;
  }

  destroy(): void {
    for (const b of this.state) this.backend.free(b);
  }
}
