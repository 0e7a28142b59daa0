// LayerNorm over the last dimension, forward and backward side by side.
// R = rows (B*T), C = channels. x, out, dout, dx: [R, C]; w, b, dw, db: [C]; mean, rstd: [R].
// Statistics are computed in f64 (JS numbers) and stored as f32, as the GPU kernels store them.
import { needAll } from './check';

/** out = (x - mean) * rstd * w + b per row; writes mean[R] and rstd[R] = 1/sqrt(var + eps) (biased var). */
export function layerNormForward(
  out: Float32Array, mean: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array,
  R: number, C: number, eps: number,
): void {
  needAll('layernorm_fwd', { out, mean, rstd, x, w, b, R, C, eps });
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let s = 0;
    for (let c = 0; c < C; c++) s += x[o + c];
    const m = s / C;
    let v = 0;
    for (let c = 0; c < C; c++) {
      const d = x[o + c] - m;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) out[o + c] = (x[o + c] - m) * rs * w[c] + b[c];
    mean[r] = m;
    rstd[r] = rs;
  }
}

/** dx += rstd * (g - mean(g) - n * mean(g * n)) with g = dout * w, n = (x - mean) * rstd;
 *  dw += sum over rows of dout * n; db += sum over rows of dout. */
export function layerNormBackward(
  dx: Float32Array, dw: Float32Array, db: Float32Array, dout: Float32Array, x: Float32Array, w: Float32Array,
  mean: Float32Array, rstd: Float32Array, R: number, C: number,
): void {
  needAll('layernorm_bwd', { dx, dw, db, dout, x, w, mean, rstd, R, C });
  for (let r = 0; r < R; r++) {
    const o = r * C;
    const m = mean[r];
    const rs = rstd[r];
    let sg = 0;
    let sgn = 0;
    for (let c = 0; c < C; c++) {
      const g = dout[o + c] * w[c];
      sg += g;
      sgn += g * (x[o + c] - m) * rs;
    }
    const mg = sg / C;
    const mgn = sgn / C;
    for (let c = 0; c < C; c++) {
      const n = (x[o + c] - m) * rs;
      const d = dout[o + c];
      dx[o + c] += rs * (d * w[c] - mg - n * mgn);
      dw[c] += d * n;
      db[c] += d;
    }
  }
}
