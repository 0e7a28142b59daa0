// Reductions: sum of squares (for the global gradient norm), a non-finite flag (for loss scaling) and
// column sums (bias gradients). n = element count, R = rows, N = columns.
import { needAll } from './check';

/** out[0] = sum of x[i]^2, summed in f64 and stored as f32. */
export function sumsq(out: Float32Array, x: Float32Array, n: number): void {
  needAll('sumsq', { out, x, n });
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  out[0] = s;
}

/** out[0] = 1 if any of x[0..n) is inf or NaN, else 0. */
export function nonfinite(out: Float32Array, x: Float32Array, n: number): void {
  needAll('nonfinite', { out, x, n });
  let bad = 0;
  for (let i = 0; i < n; i++) {
    // x - x is 0 for finite x and NaN for inf and NaN: one comparison per element
    if (x[i] - x[i] !== 0) {
      bad = 1;
      break;
    }
  }
  out[0] = bad;
}

/** out[N] += sum over the R rows of x[R,N]. */
export function sumRows(out: Float32Array, x: Float32Array, R: number, N: number): void {
  needAll('sum_rows', { out, x, R, N });
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let r = 0; r < R; r++) s += x[r * N + j];
    out[j] += s;
  }
}
