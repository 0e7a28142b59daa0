// LayerNorm, GELU, embeddings and cross-entropy vs the CPU twins, at ragged shapes (not multiples of the
// 64-invocation workgroup) and with every tensor also packed into one shared buffer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { closeBackend, openBackend } from './gpu';
import { both, ids, randn, worst } from './harness';

let device: GPUDevice;
let be: WebGpuBackend;
beforeAll(async () => ({ device, be } = await openBackend()));
afterAll(() => closeBackend(be, device));

const close = (got: Float32Array, want: Float32Array, atol: number, rtol: number) => expect(worst(got, want, atol, rtol).ratio).toBeLessThanOrEqual(1);

describe('layernorm vs CPU', () => {
  for (const [R, C] of [[1, 1], [7, 48], [65, 64], [130, 33]]) {
    for (const arena of [false, true]) {
      it(`R=${R} C=${C}${arena ? ' shared buffer' : ''}: forward and backward`, async () => {
        // Statistics are f32 sums on the GPU and f64 on the CPU: ~C ulps of O(1) values.
        const f = await both(be, 'layernorm_fwd', { out: randn(R * C, 1), mean: randn(R, 2), rstd: randn(R, 3), x: randn(R * C, 4, 2), w: randn(C, 5), b: randn(C, 6) },
          (s) => ({ out: s.out, mean: s.mean, rstd: s.rstd, x: s.x, w: s.w, b: s.b, R, C, eps: 1e-5 }), arena);
        close(f.gpu.out, f.cpu.out, 1e-5, 1e-5);
        close(f.gpu.mean, f.cpu.mean, 1e-6, 1e-5);
        close(f.gpu.rstd, f.cpu.rstd, 1e-6, 1e-5);
        const b = await both(be, 'layernorm_bwd', { dx: randn(R * C, 7), dw: randn(C, 8), db: randn(C, 9), dout: randn(R * C, 10), x: randn(R * C, 4, 2), w: randn(C, 5), mean: f.cpu.mean, rstd: f.cpu.rstd },
          (s) => ({ dx: s.dx, dw: s.dw, db: s.db, dout: s.dout, x: s.x, w: s.w, mean: s.mean, rstd: s.rstd, R, C }), arena);
        // dw/db sum R products of O(1): tolerance grows with R.
        close(b.gpu.dx, b.cpu.dx, 2e-5, 1e-5);
        close(b.gpu.dw, b.cpu.dw, 1e-6 * R + 1e-5, 1e-5);
        close(b.gpu.db, b.cpu.db, 1e-6 * R + 1e-5, 1e-5);
      });
    }
  }
});

describe('gelu vs CPU', () => {
  for (const n of [1, 63, 257, 1000]) {
    it(`n=${n}: forward and backward`, async () => {
      // Inputs span [-6, 6] plus tails; the WGSL erf is within ~2e-7 of the true erf (A&S 7.1.26 + series).
      const x = randn(n, 11, 3);
      const f = await both(be, 'gelu_fwd', { out: randn(n, 1), x }, (s) => ({ out: s.out, x: s.x, n }));
      close(f.gpu.out, f.cpu.out, 1e-6, 1e-6);
      const b = await both(be, 'gelu_bwd', { dx: randn(n, 2), dout: randn(n, 3), x }, (s) => ({ dx: s.dx, dout: s.dout, x: s.x, n }));
      close(b.gpu.dx, b.cpu.dx, 1e-6, 1e-6);
    });
  }
});

describe('embedding vs CPU', () => {
  for (const [B, T, C, V] of [[1, 1, 4, 3], [2, 17, 24, 11], [3, 64, 32, 65]]) {
    for (const arena of [false, true]) {
      it(`B=${B} T=${T} C=${C} V=${V}${arena ? ' shared buffer' : ''}: forward and backward`, async () => {
        const tok = ids(B * T, V, 12);
        const f = await both(be, 'embedding_fwd', { out: randn(B * T * C, 1), ids: tok, wte: randn(V * C, 2), wpe: randn(T * C, 3) },
          (s) => ({ out: s.out, ids: s.ids, wte: s.wte, wpe: s.wpe, B, T, C }), arena);
        close(f.gpu.out, f.cpu.out, 0, 0); // one f32 add each side: exact
        const b = await both(be, 'embedding_bwd', { dwte: randn(V * C, 4), dwpe: randn(T * C, 5), dout: randn(B * T * C, 6), ids: tok },
          (s) => ({ dwte: s.dwte, dwpe: s.dwpe, dout: s.dout, ids: s.ids, B, T, C, V }), arena);
        // Sums in position order on both sides, but the CPU may add into the accumulator row by row
        // (same order) or in f64: allow one f32 rounding per summed row.
        close(b.gpu.dwte, b.cpu.dwte, 1e-6 * B * T, 1e-6);
        close(b.gpu.dwpe, b.cpu.dwpe, 1e-6 * B, 1e-6);
      });
    }
  }
});

describe('crossentropy vs CPU', () => {
  for (const [R, V] of [[1, 2], [33, 65], [130, 17]]) {
    it(`R=${R} V=${V}`, async () => {
      const r = await both(be, 'crossentropy', { losses: randn(R, 1), dlogits: randn(R * V, 2), logits: randn(R * V, 3, 3), targets: ids(R, V, 4) },
        (s) => ({ losses: s.losses, dlogits: s.dlogits, logits: s.logits, targets: s.targets, R, V, gradScale: 1024 / R }));
      // log-sum-exp of V terms in f32 vs f64; gradients carry the 1024/R scale.
      close(r.gpu.losses, r.cpu.losses, 1e-5, 1e-5);
      close(r.gpu.dlogits, r.cpu.dlogits, (1024 / R) * 1e-6, 1e-5);
    });
  }
});
