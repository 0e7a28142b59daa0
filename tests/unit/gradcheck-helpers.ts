// Finite-difference gradient checks for the CPU ops, and small random-data helpers for the op tests.
// The op under test runs in f32; the check forms L = sum_i r_i * y_i in f64 with fixed random weights r,
// so dL/dy = r is what the backward receives, and compares the analytic dL/dx with central differences.
import { Rng } from '../../src/engine/rng';

/** Normal(0, std) values from a seeded stream. */
export function randn(n: number, seed: number, std = 1): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n), std);
}

/** ||a - b|| / ||b|| in f64 (0 when both are zero). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relErr: length ${a.length} vs ${b.length}`);
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return n === 0 ? Math.sqrt(d) : Math.sqrt(d / n);
}

/** sum_i r_i y_i in f64. */
export function dot(r: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += r[i] * y[i];
  return s;
}

/**
 * Central differences of loss() with respect to every element of x (perturbed in place, then restored).
 * eps = 1e-2 on O(1) inputs: the truncation error is O(eps^2 * f''') ~ 1e-4 of the gradient scale, and
 * the f32 rounding of the outputs (~6e-8 relative, summed over at most a few hundred terms) divided by
 * 2 eps stays near 1e-5; so a correct backward agrees to ~1e-4 and a wrong one is off by O(1).
 */
export function numericGrad(x: Float32Array, loss: () => number, eps = 1e-2): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    x[i] = x0 + eps;
    const xp = x[i]; // the f32 value actually used, so the step is exact
    const lp = loss();
    x[i] = x0 - eps;
    const xm = x[i];
    const lm = loss();
    x[i] = x0;
    g[i] = (lp - lm) / (xp - xm);
  }
  return g;
}
