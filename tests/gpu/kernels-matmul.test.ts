// matmul (every variant, every transpose, bias, accumulate) vs the CPU twin at tile-aligned and ragged shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { closeBackend, openBackend } from './gpu';
import { both, randn, worst } from './harness';

let device: GPUDevice;
let be: WebGpuBackend;
beforeAll(async () => ({ device, be } = await openBackend()));
afterAll(() => closeBackend(be, device));

// Shapes: tile-aligned, ragged (not multiples of 4, 8, 32 or 64), single row/column, K = 1.
const shapes: [number, number, number][] = [[64, 64, 64], [37, 70, 29], [1, 33, 5], [65, 1, 130], [128, 96, 256], [12, 20, 1]];
// Inputs ~N(0,1): a dot product of K terms is ~sqrt(K) in size and the two sides sum in different orders
// (f32 fma on the GPU; the CPU's blocked order), so allow a few f32 ulps per term: 2e-6 * K relative to 1.
const tol = (K: number) => ({ atol: 2e-6 * K + 1e-6, rtol: 1e-5 });

describe('matmul vs CPU', () => {
  for (const variant of ['naive', 'rb', 'v4', 'tiled'] as const) {
    for (const [M, N, K] of shapes) {
      for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        const bias = (M + N + (transA ? 1 : 0)) % 2 === 0;
        const accumulate = transB;
        it(`${variant} M=${M} N=${N} K=${K} transA=${transA} transB=${transB} bias=${bias} accumulate=${accumulate}`, async () => {
          be.setVariants({ matmul: variant });
          const arrays = { out: randn(M * N, 1), a: randn(M * K, 2), b: randn(K * N, 3), bias: randn(N, 4) };
          // v4 needs 4-aligned offsets (pad 36) to take the vec4 kernels; shapes whose vec4 dims are not
          // multiples of 4 still fall back to matmul_rb there.
          const r = await both(be, 'matmul', arrays, (s) => ({ out: s.out, a: s.a, b: s.b, bias: bias ? s.bias : undefined, M, N, K, transA, transB, accumulate }), false, variant === 'v4' ? 36 : 37);
          const { atol, rtol } = tol(K);
          expect(worst(r.gpu.out, r.cpu.out, atol, rtol).ratio).toBeLessThanOrEqual(1);
        });
      }
    }
  }

  it('v4 picks the vec4 kernel on 4-aligned offsets and still matches (model layout: offsets multiple of 4)', async () => {
    be.setVariants({ matmul: 'v4' });
    const [M, N, K] = [48, 96, 64];
    const a = be.alloc(M * K + 8, 'a');
    const b = be.alloc(N * K + 8, 'b');
    const out = be.alloc(M * N, 'out');
    const av = randn(M * K, 5);
    const bv = randn(N * K, 6);
    be.write(a, av, 4);
    be.write(b, bv, 8);
    be.dispatch('matmul', { out: { buf: out, offset: 0, length: M * N }, a: { buf: a, offset: 4, length: M * K }, b: { buf: b, offset: 8, length: N * K }, M, N, K, transA: false, transB: true, accumulate: false });
    const got = await be.read(out);
    const want = new Float32Array(M * N);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += av[m * K + k] * bv[n * K + k];
      want[m * N + n] = s;
    }
    expect(worst(got, want, tol(K).atol, 1e-5).ratio).toBeLessThanOrEqual(1);
    for (const x of [a, b, out]) be.free(x);
  });
});
