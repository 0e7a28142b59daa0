// The WebAssembly SIMD GELU (src/engine/wasm/gelu.wat) against its TS twin, forward and backward, on
// lengths that leave a tail of 1-3 elements after the blocks of 4, and on values across the whole range
// (both tails, zero, tiny, inf, NaN); slices padded with sentinels.
// Tolerance, per element, relative to the scale of the result:
//   |wasm - twin| <= (4e-6 + u x^2) * S + 2e-15 (1 + |x|),  S = |gelu(x)| forward, |dout| (Phi + |x| phi) backward.
// Why: Phi comes from erfc = t exp(p - z^2), z = |x|/sqrt 2: the fit's relative error (1.2e-7), ~10 f32
// Horner steps on partial sums below 3 (<= 2e-6 absolute in the exponent), the rounding of z^2 (u z^2)
// and exp's ~2e-7 give Phi a relative error under 4e-6 + u x^2; the forward is x Phi, the backward a sum
// of two terms bounded by their magnitudes (Phi + x phi cancels near x = -0.75, so no relative bound
// there). The last term is the twin's own: it forms 1 + erf in f64, absolute error ~1e-16 in Phi.
import { describe, expect, it } from 'vitest';
import { randn } from './gradcheck-helpers';
import { u, wasmAndTwin } from './wasm-helpers';

const special = [0, -0, 1e-3, -1e-3, 0.5, -0.75, 1, -1, 2.5, -2.5, 5, -5, 9, -9, 13, -13, 20, -20, 1e30, -1e30];

function inputs(n: number, seed: number): Float32Array {
  const x = randn(n, seed, 3);
  special.forEach((v, i) => { if (i < n) x[(i * 7) % n] = v; });
  return x;
}

describe('wasm GELU vs the TS twin', () => {
  for (const n of [1, 3, 4, 7, 1001, 4099]) {
    it(`n=${n}: forward and backward within the bound`, async () => {
      const x = inputs(n, n), dout = randn(n, n + 1);
      const fwd = await wasmAndTwin('gelu_fwd', { out: new Float32Array(n).fill(NaN), x }, (s) => ({ out: s.out, x: s.x, n }));
      const bwd = await wasmAndTwin('gelu_bwd', { dx: new Float32Array(n).fill(NaN), dout, x }, (s) => ({ dx: s.dx, dout: s.dout, x: s.x, n }));
      expect(fwd.wasm.intact && bwd.wasm.intact, 'wrote outside its slices').toBe(true);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i], phi = Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI), cdf = Math.abs(v) > 1e-6 ? fwd.twin.out.out[i] / v : 0.5;
        const rel = 4e-6 + u * v * v, floor = 2e-15 * (1 + Math.abs(v));
        const f = fwd.wasm.out.out[i], ft = fwd.twin.out.out[i];
        const b = bwd.wasm.out.dx[i], bt = bwd.twin.out.dx[i];
        if (Number.isFinite(ft) && Number.isFinite(bt)) worst = Math.max(worst, Math.abs(f - ft) / (rel * Math.abs(ft) + floor), Math.abs(b - bt) / (rel * Math.abs(dout[i]) * (Math.abs(cdf) + Math.abs(v) * phi) + floor));
        if (!Number.isFinite(ft)) expect(Object.is(f, ft) || (Number.isNaN(f) && Number.isNaN(ft)), `gelu(${v})`).toBe(true);
        else expect(Math.abs(f - ft), `gelu(${v}) = ${ft}, wasm ${f}`).toBeLessThanOrEqual(rel * Math.abs(ft) + floor);
        if (!Number.isFinite(bt)) expect(Number.isNaN(b) === Number.isNaN(bt) && (Number.isNaN(b) || b === bt), `gelu'(${v})`).toBe(true);
        else expect(Math.abs(b - bt), `gelu'(${v}) * ${dout[i]} = ${bt}, wasm ${b}`).toBeLessThanOrEqual(rel * Math.abs(dout[i]) * (Math.abs(cdf) + Math.abs(v) * phi) + floor);
      }
      console.log(`n=${n}: worst error / bound ${worst.toFixed(3)}`);
    });
  }

  it('keeps inf and NaN as the twin does', async () => {
    const x = Float32Array.from([Infinity, -Infinity, NaN, 1]);
    const { wasm, twin } = await wasmAndTwin('gelu_fwd', { out: new Float32Array(4), x }, (s) => ({ out: s.out, x: s.x, n: 4 }));
    expect(Array.from(wasm.out.out.subarray(0, 3))).toEqual(Array.from(twin.out.out.subarray(0, 3)));
  });

  it('the bound is tight enough to see an erf off by 1e-4', async () => {
    const n = 64, x = inputs(n, 3);
    const { twin } = await wasmAndTwin('gelu_fwd', { out: new Float32Array(n), x }, (s) => ({ out: s.out, x: s.x, n }));
    // a Phi off by 5e-5 (erf off by 1e-4) at x = 1 exceeds the bound by far
    const v = 1, ft = twin.out.out[Array.from(x).indexOf(v)], wrong = ft + v * 5e-5;
    expect(Math.abs(wrong - ft)).toBeGreaterThan(10 * ((4e-6 + u) * Math.abs(ft) + 4e-15));
  });
});
