// Causal multi-head self-attention, forward and backward side by side.
// B = batch, T = time, C = channels, H = heads, hs = C / H (head size).
// qkv[B,T,3C] holds q | k | v along the last dim, heads contiguous inside each: head h of q at row offset
// h*hs, of k at C + h*hs, of v at 2C + h*hs. out[B,T,C] has heads concatenated. lse[B,H,T] is each
// softmax row's log-sum-exp of the scaled, masked scores. Scale 1/sqrt(hs).
// Memory: one (batch, head) at a time is gathered into contiguous f64 scratch [T, hs] (q, k, v and, in
// the backward, dk, dv) plus a row of T scores; the backward recomputes probabilities from lse, so no
// T x T matrix is ever stored. Gathering costs O(T hs) per head against O(T^2 hs) of work, and turns the
// strided 3C-apart rows into unit-stride loops.
import { needAll } from './check';

let scratch: Float64Array = new Float64Array(0);

/** Scratch views: q, k, v, dk, dv of [T, hs] each, and a row of max(T, hs) (scores, or one dq row). */
function views(T: number, hs: number): Float64Array[] {
  const n = T * hs;
  const row = Math.max(T, hs);
  if (scratch.length < 5 * n + row) scratch = new Float64Array(5 * n + row);
  return [0, 1, 2, 3, 4].map((i) => scratch.subarray(i * n, (i + 1) * n)).concat([scratch.subarray(5 * n, 5 * n + row)]);
}

/** C / H; throws RangeError unless H divides C. */
export function headSize(op: string, C: number, H: number): number {
  if (!(H > 0 && C % H === 0)) throw new RangeError(`${op}: C = ${C} is not divisible by H = ${H}`);
  return C / H;
}

/** Copy head h of part (0 q, 1 k, 2 v) of batch b into dst[T, hs]. */
function gather(dst: Float64Array, qkv: Float32Array, b: number, T: number, C: number, part: number, h: number, hs: number): void {
  for (let t = 0; t < T; t++) {
    const src = (b * T + t) * 3 * C + part * C + h * hs;
    for (let d = 0; d < hs; d++) dst[t * hs + d] = qkv[src + d];
  }
}

/** out = softmax(q k^T * scale, causal) v per (batch, head); lse saved per query row. */
export function attentionForward(out: Float32Array, lse: Float32Array, qkv: Float32Array, B: number, T: number, C: number, H: number): void {
  const hs = headSize('attention_fwd', C, H);
  needAll('attention_fwd', { out, lse, qkv, B, T, C, H });
  const scale = 1 / Math.sqrt(hs);
  const [q, k, v, , , s] = views(T, hs);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      gather(q, qkv, b, T, C, 0, h, hs);
      gather(k, qkv, b, T, C, 1, h, hs);
      gather(v, qkv, b, T, C, 2, h, hs);
      for (let t = 0; t < T; t++) {
        const qo = t * hs;
        let max = -Infinity;
        for (let j = 0; j <= t; j++) {
          const ko = j * hs;
          let dot = 0;
          for (let d = 0; d < hs; d++) dot += q[qo + d] * k[ko + d];
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
        const inv = 1 / sum;
        const oo = (b * T + t) * C + h * hs;
        // out row = sum_j p_j v_j, accumulated straight into the f32 row would round T times: use q's
        // scratch row (already consumed) as the f64 accumulator
        for (let d = 0; d < hs; d++) q[qo + d] = 0;
        for (let j = 0; j <= t; j++) {
          const p = s[j] * inv;
          const vo = j * hs;
          for (let d = 0; d < hs; d++) q[qo + d] += p * v[vo + d];
        }
        for (let d = 0; d < hs; d++) out[oo + d] = q[qo + d];
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
  needAll('attention_bwd', { dqkv, dout, qkv, out, lse, B, T, C, H });
  const scale = 1 / Math.sqrt(hs);
  const [q, k, v, dk, dv, dq] = views(T, hs); // dq: one query row, summed in f64 before one f32 store
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      gather(q, qkv, b, T, C, 0, h, hs);
      gather(k, qkv, b, T, C, 1, h, hs);
      gather(v, qkv, b, T, C, 2, h, hs);
      dk.fill(0);
      dv.fill(0);
      for (let t = 0; t < T; t++) {
        const qo = t * hs;
        const oo = (b * T + t) * C + h * hs;
        const L = lse[(b * H + h) * T + t];
        let D = 0;
        for (let d = 0; d < hs; d++) {
          D += dout[oo + d] * out[oo + d];
          dq[d] = 0;
        }
        for (let j = 0; j <= t; j++) {
          const ko = j * hs;
          let dot = 0;
          let dp = 0;
          for (let d = 0; d < hs; d++) {
            dot += q[qo + d] * k[ko + d];
            dp += dout[oo + d] * v[ko + d];
          }
          const pj = Math.exp(dot * scale - L);
          const ds = pj * (dp - D) * scale;
          for (let d = 0; d < hs; d++) {
            dq[d] += ds * k[ko + d];
            dk[ko + d] += ds * q[qo + d];
            dv[ko + d] += pj * dout[oo + d];
          }
        }
        const dqo = (b * T + t) * 3 * C + h * hs;
        for (let d = 0; d < hs; d++) dqkv[dqo + d] = dq[d];
      }
      for (let t = 0; t < T; t++) {
        const o = (b * T + t) * 3 * C + h * hs;
        for (let d = 0; d < hs; d++) {
          dqkv[o + C + d] = dk[t * hs + d];
          dqkv[o + 2 * C + d] = dv[t * hs + d];
        }
      }
    }
  }
}
