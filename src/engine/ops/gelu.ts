// Exact GELU, gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), forward and backward, and erf itself.
// n = element count. Everything is computed in f64 and rounded to f32 once on store.
import { needAll } from './check';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

// Maclaurin coefficients of erf(x) * sqrt(pi) / 2 = sum (-1)^n x^(2n+1) / (n! (2n+1)), as a polynomial in
// x^2. Used for |x| < 1: 14 terms leave a truncation error below 1e-11 there.
const TAYLOR: number[] = [];
for (let n = 0, f = 1; n < 14; n++, f *= n) TAYLOR.push((n % 2 ? -1 : 1) / (f * (2 * n + 1)));

/** erf(x), absolute error below ~2e-8: Maclaurin series for |x| < 1; for |x| >= 1 the Chebyshev fit of
 *  erfc from Press et al. (Numerical Recipes, 2nd ed., section 6.2, relative error < 1.2e-7), whose
 *  relative error turns into an absolute one below 1.2e-7 * erfc(1) ~ 2e-8. */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (z < 1) {
    const z2 = z * z;
    let p = TAYLOR[TAYLOR.length - 1];
    for (let i = TAYLOR.length - 2; i >= 0; i--) p = p * z2 + TAYLOR[i];
    return TWO_OVER_SQRT_PI * x * p;
  }
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc : erfc - 1;
}

/** out[i] = gelu(x[i]), exact (erf) form. */
export function geluForward(out: Float32Array, x: Float32Array, n: number): void {
  needAll('gelu_fwd', { out, x, n });
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + erf(v * SQRT1_2));
  }
}

/** dx[i] = dout[i] * gelu'(x[i]) with gelu'(x) = Phi(x) + x phi(x). */
export function geluBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
  needAll('gelu_bwd', { dx, dout, x, n });
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const cdf = 0.5 * (1 + erf(v * SQRT1_2));
    const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    dx[i] = dout[i] * (cdf + v * pdf);
  }
}
