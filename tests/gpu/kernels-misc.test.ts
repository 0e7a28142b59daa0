// Elementwise kernels, transpose, reductions (sumsq, nonfinite), sum_rows and the optimizer updates vs the
// CPU twins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { closeBackend, openBackend } from './gpu';
import { both, randn, worst } from './harness';

let device: GPUDevice;
let be: WebGpuBackend;
beforeAll(async () => ({ device, be } = await openBackend()));
afterAll(() => closeBackend(be, device));

const close = (got: Float32Array, want: Float32Array, atol: number, rtol: number) => expect(worst(got, want, atol, rtol).ratio).toBeLessThanOrEqual(1);
const sizes = [1, 63, 64, 65, 1000, 70_001];

describe('elementwise vs CPU (one f32 operation each side)', () => {
  for (const n of sizes) {
    it(`n=${n}: add, add_inplace, scale, fill`, async () => {
      let r = await both(be, 'add', { out: randn(n, 1), a: randn(n, 2), b: randn(n, 3) }, (s) => ({ out: s.out, a: s.a, b: s.b, n }));
      close(r.gpu.out, r.cpu.out, 0, 0);
      r = await both(be, 'add_inplace', { acc: randn(n, 1), x: randn(n, 2) }, (s) => ({ acc: s.acc, x: s.x, n }), true);
      close(r.gpu.acc, r.cpu.acc, 0, 0);
      r = await both(be, 'scale', { x: randn(n, 1) }, (s) => ({ x: s.x, s: -0.37, n }));
      close(r.gpu.x, r.cpu.x, 0, 1.2e-7); // s travels as f32 in the uniform (the CPU multiplies by the f64 s): 1 ulp
      r = await both(be, 'fill', { out: randn(n, 1) }, (s) => ({ out: s.out, value: 2.5, n: Math.max(0, n - 1) }));
      close(r.gpu.out, r.cpu.out, 0, 0); // the last element must stay untouched
    });
  }

  for (const [R, N] of [[1, 5], [33, 70], [256, 3]]) {
    it(`sum_rows R=${R} N=${N}`, async () => {
      const r = await both(be, 'sum_rows', { out: randn(N, 1), x: randn(R * N, 2) }, (s) => ({ out: s.out, x: s.x, R, N }));
      close(r.gpu.out, r.cpu.out, 1e-6 * R, 1e-6); // R-term sums, f32 vs the CPU's order
    });
  }
});

describe('transpose vs CPU (a copy: exact)', () => {
  for (const [R, N] of [[1, 1], [1, 7], [7, 1], [33, 70], [256, 3], [64, 256]]) {
    it(`R=${R} N=${N}`, async () => {
      const r = await both(be, 'transpose', { out: randn(R * N, 1), x: randn(R * N, 2) }, (s) => ({ out: s.out, x: s.x, R, N }));
      close(r.gpu.out, r.cpu.out, 0, 0);
      // and it is the transpose, not just the twin's answer
      expect(r.cpu.out[N > 1 ? R : 0]).toBe(randn(R * N, 2)[N > 1 ? 1 : 0]);
    });
  }
  it('in one shared buffer (bindings of one buffer at different offsets)', async () => {
    const r = await both(be, 'transpose', { out: randn(35 * 9, 1), x: randn(35 * 9, 2) }, (s) => ({ out: s.out, x: s.x, R: 35, N: 9 }), true);
    close(r.gpu.out, r.cpu.out, 0, 0);
  });
});

describe('reductions vs CPU', () => {
  for (const n of [0, 1, 255, 256, 257, 70_001]) {
    it(`sumsq n=${n}`, async () => {
      const r = await both(be, 'sumsq', { out: randn(1, 1), x: randn(n, 2) }, (s) => ({ out: s.out, x: s.x, n }));
      close(r.gpu.out, r.cpu.out, 1e-6, 2e-6); // tree vs sequential order of n positive terms: relative
    });
  }

  for (const [n, at, bad] of [[1, 0, Infinity], [300, 299, NaN], [70_001, 40_000, -Infinity], [1000, -1, 0]] as const) {
    it(`nonfinite n=${n} ${at >= 0 ? `${bad} at ${at}` : 'all finite (incl. 3e38 and denormals)'}`, async () => {
      const x = randn(n, 3);
      if (at >= 0) x[at] = bad;
      else x.set([3e38, 1e-40, -3.4e38]);
      const r = await both(be, 'nonfinite', { out: randn(1, 1), x }, (s) => ({ out: s.out, x: s.x, n }));
      expect(r.gpu.out[0]).toBe(at >= 0 ? 1 : 0);
      expect(r.gpu.out[0]).toBe(r.cpu.out[0]);
    });
  }
});

describe('optimizers vs CPU', () => {
  for (const n of [1, 65, 4099]) {
    it(`adamw n=${n}`, async () => {
      const r = await both(be, 'adamw', { p: randn(n, 1), g: randn(n, 2), m: randn(n, 3, 0.1), v: randn(n, 4, 0.1).map(Math.abs) },
        (s) => ({ p: s.p, g: s.g, m: s.m, v: s.v, n, lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, wd: 0.1, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.95 ** 3 }));
      // Same formula in f32 vs f64 intermediates: a few ulps of each term.
      close(r.gpu.p, r.cpu.p, 1e-6, 1e-6);
      close(r.gpu.m, r.cpu.m, 1e-7, 1e-6);
      close(r.gpu.v, r.cpu.v, 1e-7, 1e-6);
    });
    for (const [momentum, first] of [[0, false], [0.9, true], [0.9, false]] as const) {
      it(`sgd n=${n} momentum=${momentum} first=${first}`, async () => {
        const r = await both(be, 'sgd', { p: randn(n, 1), g: randn(n, 2), buf: randn(n, 3) },
          (s) => ({ p: s.p, g: s.g, buf: s.buf, n, lr: 0.05, momentum, wd: 0.01, first }));
        // buf = momentum buf + g + wd p: three f32 roundings vs f64 on the CPU.
        close(r.gpu.p, r.cpu.p, 1e-6, 1e-6);
        close(r.gpu.buf, r.cpu.buf, 1e-6, 1e-6);
      });
    }
    it(`ema n=${n}`, async () => {
      const r = await both(be, 'ema', { ema: randn(n, 1), p: randn(n, 2) }, (s) => ({ ema: s.ema, p: s.p, n, decay: 0.999 }));
      close(r.gpu.ema, r.cpu.ema, 1e-7, 1e-6);
    });
  }
});
