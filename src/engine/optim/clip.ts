// Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_) and the non-finite check of a loss
// scaler, measured together: one 'sumsq' and one 'nonfinite' dispatch per parameter inside [lo, hi),
// written into a small scratch buffer and read back ONCE (on WebGPU each read is a CPU-GPU sync point).
// Per-parameter sums are added in f64 on the host, which keeps the f32 reductions short.
// Legend: P = parameters, S = parameter tensors in the range.

import type { Backend, Buffer } from '../backend/types';
import { sub, whole } from '../backend/types';
import type { ParamRange } from './optimizers';

/** Clip coefficient: gradients are multiplied by min(1, maxNorm / (norm + 1e-6)); maxNorm 0 = no clipping. */
export const clipCoef = (norm: number, maxNorm: number): number => (maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1);

export interface GradStats {
  /** Sum of squares of the (still scaled) gradients in the range. */
  sumsq: number;
  /** Any inf or NaN in the range. */
  nonfinite: boolean;
}

/** Measures gradient statistics over [lo, hi) of a flat gradient buffer. */
export class GradMeter {
  private readonly parts: { offset: number; n: number }[] = [];
  private readonly scratch: Buffer;

  constructor(private readonly backend: Backend, specs: ParamRange[], lo: number, hi: number) {
    for (const s of specs) {
      const a = Math.max(lo, s.offset), b = Math.min(hi, s.offset + s.size);
      if (a < b) this.parts.push({ offset: a, n: b - a });
    }
    this.scratch = backend.alloc(Math.max(1, 2 * this.parts.length), 'gradstats');
  }

  /** Sum of squares and the non-finite flag over the range. */
  async measure(grads: Buffer): Promise<GradStats> {
    const G = whole(grads), S = whole(this.scratch), k = this.parts.length;
    this.parts.forEach((p, i) => {
      this.backend.dispatch('sumsq', { out: sub(S, i, 1), x: sub(G, p.offset, p.n), n: p.n });
      this.backend.dispatch('nonfinite', { out: sub(S, k + i, 1), x: sub(G, p.offset, p.n), n: p.n });
    });
    const r = await this.backend.read(this.scratch);
    let sumsq = 0, nonfinite = false;
    for (let i = 0; i < k; i++) {
      sumsq += r[i];
      if (r[k + i] !== 0) nonfinite = true;
    }
    return { sumsq, nonfinite: nonfinite || !Number.isFinite(sumsq) };
  }

  destroy(): void {
    this.backend.free(this.scratch);
  }
}
