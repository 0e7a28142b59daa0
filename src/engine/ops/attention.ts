// Causal multi-head self-attention, forward and backward side by side.
// B = batch, T = time, C = channels, H = heads, hs = C / H (head size).
// qkv[B,T,3C] holds q | k | v along the last dim, heads contiguous inside each: head h of q at row offset
// h*hs, of k at C + h*hs, of v at 2C + h*hs. out[B,T,C] has heads concatenated. lse[B,H,T] is each
// softmax row's log-sum-exp of the scaled, masked scores. Scale 1/sqrt(hs).
// Memory: only a per-row scratch of T scores; the backward recomputes probabilities from lse, so no
// T x T matrix is ever stored for the whole batch.
import { need } from './check';

let scratch: Float64Array = new Float64Array(0);

function rowScratch(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  return scratch;
}

function headSize(op: string, C: number, H: number): number {
  if (!(H > 0 && C % H === 0)) throw new RangeError(`${op}: C = ${C} is not divisible by H = ${H}`);
  return C / H;
}

/** out = softmax(q k^T * scale, causal) v per (batch, head); lse saved per query row. */
export function attentionForward(out: Float32Array, lse: Float32Array, qkv: Float32Array, B: number, T: number, C: number, H: number): void {
  const hs = headSize('attention_fwd', C, H);
  need('attention_fwd', 'out', out, B * T * C);
  need('attention_fwd', 'lse', lse, B * H * T);
  need('attention_fwd', 'qkv', qkv, B * T * 3 * C);
  const scale = 1 / Math.sqrt(hs);
  const s = rowScratch(T);
  const C3 = 3 * C;
  for (let b = 0; b < B; b++) {
    const base = b * T * C3;
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const qo = base + t * C3 + h * hs;
        let max = -Infinity;
        for (let j = 0; j <= t; j++) {
          const ko = base + j * C3 + C + h * hs;
          let dot = 0;
          for (let d = 0; d < hs; d++) dot += qkv[qo + d] * qkv[ko + d];
          dot *= scale;
          s[j] = dot;
          if (dot > max) max = dot;
        }
        let sum = 0;
        for (let j = 0; j <= t; j++) {
          const e = Math.exp(s[j] - max);
          s[j] = e;
          sum += e;
        }
        const oo = (b * T + t) * C + h * hs;
        for (let d = 0; d < hs; d++) out[oo + d] = 0;
        const inv = 1 / sum;
        for (let d = 0; d < hs; d++) {
          let acc = 0;
          for (let j = 0; j <= t; j++) acc += s[j] * qkv[base + j * C3 + 2 * C + h * hs + d];
          out[oo + d] = acc * inv;
        }
        lse[(b * H + h) * T + t] = max + Math.log(sum);
      }
    }
  }
}

/** dqkv (overwritten) from dout: with p = exp(s - lse), dp = dout . v, D = dout . out (= sum p dp),
 *  ds = p (dp - D): dq = scale ds k, dk = scale ds^T q, dv = p^T dout. */
export function attentionBackward(
  dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, out: Float32Array, lse: Float32Array,
  B: number, T: number, C: number, H: number,
): void {
  const hs = headSize('attention_bwd', C, H);
  need('attention_bwd', 'dqkv', dqkv, B * T * 3 * C);
  need('attention_bwd', 'dout', dout, B * T * C);
  need('attention_bwd', 'qkv', qkv, B * T * 3 * C);
  need('attention_bwd', 'out', out, B * T * C);
  need('attention_bwd', 'lse', lse, B * H * T);
  const scale = 1 / Math.sqrt(hs);
  const dq = rowScratch(hs); // dq for one query row, summed in f64 before one f32 store
  const C3 = 3 * C;
  dqkv.fill(0, 0, B * T * C3);
  for (let b = 0; b < B; b++) {
    const base = b * T * C3;
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const qo = base + t * C3 + h * hs;
        const oo = (b * T + t) * C + h * hs;
        const L = lse[(b * H + h) * T + t];
        let D = 0;
        for (let d = 0; d < hs; d++) {
          D += dout[oo + d] * out[oo + d];
          dq[d] = 0;
        }
        for (let j = 0; j <= t; j++) {
          const ko = base + j * C3 + C + h * hs;
          const vo = ko + C;
          let dot = 0;
          let dp = 0;
          for (let d = 0; d < hs; d++) {
            dot += qkv[qo + d] * qkv[ko + d];
            dp += dout[oo + d] * qkv[vo + d];
          }
          const pj = Math.exp(dot * scale - L);
          const ds = pj * (dp - D) * scale;
          for (let d = 0; d < hs; d++) {
            dq[d] += ds * qkv[ko + d];
            dqkv[ko + d] += ds * qkv[qo + d];
            dqkv[vo + d] += pj * dout[oo + d];
          }
        }
        for (let d = 0; d < hs; d++) dqkv[qo + d] = dq[d];
      }
    }
  }
}
