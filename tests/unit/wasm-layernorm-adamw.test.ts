// The WebAssembly SIMD LayerNorm (forward, backward), bias-gradient column sums and AdamW against their TS
// twins, on channel counts and lengths that leave a tail after the blocks of 4 (and of 16 for the column
// sums), with slices padded with sentinels.
// Tolerances. LayerNorm: the wasm kernel sums each row in f32 (the twin in f64), so the statistics carry a
// relative error up to ~C u, which every output inherits, and the backward's dw, db add up R rows in f32
// in both: per tensor ||wasm - twin|| / ||twin|| <= 4 (C + R + 8) u (4e-5 at most here; measured
// errors are below 2e-7). A mean off by 1e-3 of the row's scale, or a dropped term, is far above it (the
// negative check below). AdamW: each element's update is a handful of f32 operations, so per element
// |p_wasm - p_twin| <= ulp(p) + 16 u lr (|wd p| + |update|), and m, v within 4 u of their terms' magnitudes.
import { describe, expect, it } from 'vitest';
import { randn, relErr } from './gradcheck-helpers';
import { u, wasmAndTwin } from './wasm-helpers';

describe('wasm LayerNorm vs the TS twin', () => {
  for (const [R, C] of [[1, 1], [3, 5], [7, 64], [33, 130]]) {
    it(`R=${R} C=${C}: forward and backward`, async () => {
      const x = randn(R * C, R + C, 2), w = randn(C, 2), b = randn(C, 3), dout = randn(R * C, 4);
      for (let i = 0; i < R * C; i++) x[i] += 3; // an offset, so the mean matters
      const bound = 4 * (C + R + 8) * u;
      const f = await wasmAndTwin('layernorm_fwd', { out: new Float32Array(R * C).fill(NaN), mean: new Float32Array(R), rstd: new Float32Array(R), x, w, b },
        (s) => ({ out: s.out, mean: s.mean, rstd: s.rstd, x: s.x, w: s.w, b: s.b, R, C, eps: 1e-5 }));
      expect(f.wasm.intact, 'forward wrote outside its slices').toBe(true);
      for (const k of ['out', 'mean', 'rstd']) expect(relErr(f.wasm.out[k], f.twin.out[k]), k).toBeLessThan(bound);
      const { mean, rstd } = f.twin.out;
      const init = { dx: randn(R * C, 5), dw: randn(C, 6), db: randn(C, 7) }; // all three accumulate
      const g = await wasmAndTwin('layernorm_bwd', { ...init, dout, x, w, mean, rstd },
        (s) => ({ dx: s.dx, dw: s.dw, db: s.db, dout: s.dout, x: s.x, w: s.w, mean: s.mean, rstd: s.rstd, R, C }));
      expect(g.wasm.intact, 'backward wrote outside its slices').toBe(true);
      // compare the increments (what the kernel added), not the totals, so the initial values cannot hide an error
      for (const k of ['dx', 'dw', 'db'] as const) {
        const inc = (o: Float32Array) => o.map((v, i) => v - init[k][i]);
        expect(relErr(inc(g.wasm.out[k]), inc(g.twin.out[k])), k).toBeLessThan(bound);
      }
    });
  }

  it('the bound sees a mean off by 1e-3', async () => {
    const R = 4, C = 64, x = randn(R * C, 1), w = randn(C, 2), b = randn(C, 3);
    const f = await wasmAndTwin('layernorm_fwd', { out: new Float32Array(R * C), mean: new Float32Array(R), rstd: new Float32Array(R), x, w, b },
      (s) => ({ out: s.out, mean: s.mean, rstd: s.rstd, x: s.x, w: s.w, b: s.b, R, C, eps: 1e-5 }));
    const { mean, rstd, out } = f.twin.out;
    const shifted = out.map((_, i) => (x[i] - (mean[Math.floor(i / C)] + 1e-3)) * rstd[Math.floor(i / C)] * w[i % C] + b[i % C]);
    expect(relErr(shifted, out)).toBeGreaterThan(10 * 4 * (C + R + 8) * u);
  });
});

describe('wasm sum_rows (bias gradients) vs the TS twin', () => {
  // f32 sums of R rows in order, added to out: per element |wasm - twin| <= gamma(R + 1) (|out| + sum |x|)
  for (const [R, N] of [[1, 1], [5, 3], [7, 21], [512, 256], [33, 83]]) {
    it(`R=${R} N=${N}: accumulates into out`, async () => {
      const x = randn(R * N, R + N), init = randn(N, 9);
      const r = await wasmAndTwin('sum_rows', { out: init, x }, (s) => ({ out: s.out, x: s.x, R, N }));
      expect(r.wasm.intact, 'wrote outside its slices').toBe(true);
      for (let j = 0; j < N; j++) {
        let abs = Math.abs(init[j]);
        for (let i = 0; i < R; i++) abs += Math.abs(x[i * N + j]);
        const g = ((R + 1) * u) / (1 - (R + 1) * u);
        expect(Math.abs(r.wasm.out.out[j] - r.twin.out.out[j]), `column ${j}`).toBeLessThanOrEqual(g * abs);
      }
    });
  }
});

describe('wasm AdamW vs the TS twin', () => {
  for (const n of [1, 3, 8, 1001]) {
    it(`n=${n}, with and without weight decay`, async () => {
      for (const wd of [0, 0.1]) {
        const p = randn(n, n), g = randn(n, n + 1, 1e-2), m = randn(n, n + 2, 1e-3), v = randn(n, n + 3, 1e-3).map((x) => x * x);
        g[0] = 0; // a zero gradient with zero history must stay a zero step
        m[0] = 0;
        v[0] = 0;
        const hp = { lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, wd, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.95 ** 3 };
        const r = await wasmAndTwin('adamw', { p, g, m, v }, (s) => ({ p: s.p, g: s.g, m: s.m, v: s.v, n, ...hp }));
        expect(r.wasm.intact, 'wrote outside its slices').toBe(true);
        expect(r.wasm.out.p[0]).toBe(wd ? r.twin.out.p[0] : p[0]);
        for (let i = 0; i < n; i++) {
          const mt = r.twin.out.m[i], vt = r.twin.out.v[i];
          const upd = Math.abs(mt / hp.bc1) / (Math.sqrt(vt / hp.bc2) + hp.eps);
          const ulp = 2 ** (Math.floor(Math.log2(Math.abs(p[i]) || 2 ** -126)) - 23);
          expect(Math.abs(r.wasm.out.p[i] - r.twin.out.p[i]), `p[${i}]`).toBeLessThanOrEqual(ulp + 16 * u * hp.lr * (Math.abs(wd * p[i]) + upd));
          expect(Math.abs(r.wasm.out.m[i] - mt), `m[${i}]`).toBeLessThanOrEqual(4 * u * (0.9 * Math.abs(m[i]) + 0.1 * Math.abs(g[i])));
          expect(Math.abs(r.wasm.out.v[i] - vt), `v[${i}]`).toBeLessThanOrEqual(4 * u * (0.95 * v[i] + 0.05 * g[i] * g[i]));
        }
      }
    });
  }
});
