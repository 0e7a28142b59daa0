// Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_) and the non-finite check of a loss
// scaler, measured together: one 'sumsq' and one 'nonfinite' dispatch per parameter inside [lo, hi)
// (per piece of a parameter when the gradients are viewed a chunk at a time, as fp16 ones are),
// written into a small scratch buffer and read back ONCE (on WebGPU each read is a CPU-GPU sync point).
// Per-piece sums are added in f64 on the host, which keeps the f32 reductions short.
// Legend: P = parameters, S = parameter tensors in the range.

import type { Backend, Buffer, Slice } from '../backend/types';
import { sub, whole } from '../backend/types';
import { chunks } from '../model/grads';
import type { ParamRange } from './optimizers';

/** Clip coefficient: gradients are multiplied by min(1, maxNorm / (norm + 1e-6)); maxNorm 0 = no clipping. */
export const clipCoef = (norm: number, maxNorm: number): number => (maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1);

export interface GradStats {
  /** Sum of squares of the (still scaled) gradients in the range. */
  sumsq: number;
  /** Any inf or NaN in the range. */
  nonfinite: boolean;
}

/** Gradients as the meter and the update read them: f32 views of ranges of at most `room` elements
 *  (model/grads.ts's GradStore: the gradient buffer itself in fp32, an unpacked chunk in fp16). */
export interface GradSource {
  readonly room: number;
  view(a: number, b: number): Slice;
}

/** Measures gradient statistics over [lo, hi) of the flat gradient vector. */
export class GradMeter {
  /** Chunks of at most `room` elements, each with the parameter pieces inside it (absolute offsets). */
  private readonly chunks: { a: number; b: number; parts: { offset: number; n: number }[] }[] = [];
  private readonly count: number;
  private readonly scratch: Buffer;

  /** `room`: the longest range the source's view() serves (chunks of [lo, hi) start at lo). */
  constructor(private readonly backend: Backend, specs: ParamRange[], lo: number, hi: number, room = hi - lo) {
    let count = 0;
    for (const [a, b] of chunks(lo, hi, room)) {
      const parts: { offset: number; n: number }[] = [];
      for (const s of specs) {
        const x = Math.max(a, s.offset), y = Math.min(b, s.offset + s.size);
        if (x < y) parts.push({ offset: x, n: y - x });
      }
      this.chunks.push({ a, b, parts });
      count += parts.length;
    }
    this.count = count;
    this.scratch = backend.alloc(Math.max(1, 2 * count), 'gradstats');
  }

  /** Sum of squares and the non-finite flag over the range: per chunk one view, per piece a sumsq and
   *  a nonfinite dispatch, then ONE read of all results. */
  async measure(grads: GradSource): Promise<GradStats> {
    const S = whole(this.scratch), k = this.count;
    let i = 0;
    for (const c of this.chunks) {
      const G = grads.view(c.a, c.b);
      for (const p of c.parts) {
        const x = sub(G, p.offset - c.a, p.n);
        this.backend.dispatch('sumsq', { out: sub(S, i, 1), x, n: p.n });
        this.backend.dispatch('nonfinite', { out: sub(S, k + i, 1), x, n: p.n });
        i++;
      }
    }
    const r = await this.backend.read(this.scratch);
    let sumsq = 0, nonfinite = false;
    for (let j = 0; j < k; j++) {
      sumsq += r[j];
      if (r[k + j] !== 0) nonfinite = true;
    }
    return { sumsq, nonfinite: nonfinite || !Number.isFinite(sumsq) };
  }

  destroy(): void {
    this.backend.free(this.scratch);
  }
}
