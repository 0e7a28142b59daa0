// The WebAssembly SIMD matmul (src/engine/wasm/matmul.wat) against its plain-TS twin and an f64 reference,
// through the CPU backend, for all three transposition forms the model uses and the fourth, bias on and
// off, overwrite and accumulate, on shapes that are not multiples of the 4x8 tile, of the 64-row block or
// of the 256-long k-chunk, with every slice inside a larger buffer whose padding holds a sentinel.
// Tolerance, per element: the wasm kernel sums in f32, in k order, from (out or 0) + bias, so its error
// against the exact result is at most gamma(K+2) * S with S = |init| + |bias| + sum_k |a_ik b_kj| and
// gamma(n) = n u / (1 - n u), u = 2^-24 (Higham, Accuracy and Stability, 3.1); the twin (f64 sums) and the
// f64 reference are far inside that. A wrong index, a missed edge row or column, a dropped bias or a lost
// k-chunk gives errors of order S, far above the bound; a kernel that summed in a worse order would not.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { sub, whole, type Backend, type Slice } from '../../src/engine/backend/types';
import { randn } from './gradcheck-helpers';

const PAD = 5; // sentinel elements before and after every slice
const SENTINEL = -777.25;

/** A buffer holding `data` at offset PAD with sentinels around it; returns the slice. */
function padded(be: Backend, data: Float32Array, label: string): Slice {
  const buf = be.alloc(data.length + 2 * PAD, label);
  be.write(buf, new Float32Array(data.length + 2 * PAD).fill(SENTINEL));
  be.write(buf, data, PAD);
  return sub(whole(buf), PAD, data.length);
}

async function sentinelsIntact(be: Backend, s: Slice): Promise<boolean> {
  const all = await be.read(s.buf);
  return [...all.subarray(0, PAD), ...all.subarray(PAD + s.length)].every((v) => v === SENTINEL);
}

interface Case { M: number; N: number; K: number; transA: boolean; transB: boolean; bias: boolean; accumulate: boolean }

/** Run one matmul on a backend; the result and whether every sentinel survived. */
async function run(be: Backend, c: Case, a: Float32Array, b: Float32Array, bias: Float32Array, init: Float32Array) {
  const out = padded(be, init, 'out'), sa = padded(be, a, 'a'), sb = padded(be, b, 'b'), sbias = padded(be, bias, 'bias');
  be.dispatch('matmul', { out, a: sa, b: sb, bias: c.bias ? sbias : undefined, M: c.M, N: c.N, K: c.K, transA: c.transA, transB: c.transB, accumulate: c.accumulate });
  const intact = (await Promise.all([out, sa, sb, sbias].map((s) => sentinelsIntact(be, s)))).every(Boolean);
  return { got: await be.read(out), intact };
}

/** f64 result and the error scale S per element. */
function reference(c: Case, a: Float32Array, b: Float32Array, bias: Float32Array, init: Float32Array) {
  const want = new Float64Array(c.M * c.N), scale = new Float64Array(c.M * c.N);
  for (let i = 0; i < c.M; i++) {
    for (let j = 0; j < c.N; j++) {
      const o = c.accumulate ? init[i * c.N + j] : 0;
      const bj = c.bias ? bias[j] : 0;
      let s = o + bj, abs = Math.abs(o) + Math.abs(bj);
      for (let k = 0; k < c.K; k++) {
        const p = (c.transA ? a[k * c.M + i] : a[i * c.K + k]) * (c.transB ? b[j * c.K + k] : b[k * c.N + j]);
        s += p;
        abs += Math.abs(p);
      }
      want[i * c.N + j] = s;
      scale[i * c.N + j] = abs;
    }
  }
  return { want, scale };
}

const u = 2 ** -24;
const gamma = (n: number) => (n * u) / (1 - n * u);

// ragged against the 4x8 tile, the 64-row block and the 256 k-chunk; the model's forms at its sizes
const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 2], [4, 8, 16], [13, 17, 9], [67, 83, 64], [70, 9, 300], [5, 130, 513]];

describe('wasm matmul vs the TS twin', () => {
  for (const [M, N, K] of shapes) {
    for (const [transA, transB] of [[false, true], [false, false], [true, false], [true, true]]) {
      it(`M=${M} N=${N} K=${K} transA=${transA} transB=${transB}: bias, overwrite and accumulate`, async () => {
        const a = randn(M * K, M + K), b = randn(K * N, N + K + 1), bias = randn(N, 3);
        for (const withBias of [false, true]) {
          for (const accumulate of [false, true]) {
            const c: Case = { M, N, K, transA, transB, bias: withBias, accumulate };
            // overwrite must ignore what out held: NaN there would show in any output that read it
            const init = accumulate ? randn(M * N, 7) : new Float32Array(M * N).fill(NaN);
            const be = new CpuBackend();
            expect(be.kernels, 'the wasm kernels did not load').toBe('wasm-simd');
            const wasm = await run(be, c, a, b, bias, init);
            const twin = await run(new CpuBackend({ wasm: false }), c, a, b, bias, init);
            expect(wasm.intact, 'wasm wrote outside its slices').toBe(true);
            expect(twin.intact).toBe(true);
            const { want, scale } = reference(c, a, b, bias, init);
            const bound = gamma(K + 2);
            let worst = 0;
            for (let i = 0; i < M * N; i++) {
              for (const got of [wasm.got[i], twin.got[i]]) {
                const e = Math.abs(got - want[i]) / (bound * scale[i] + Number.MIN_VALUE);
                if (!(e <= 1)) throw new Error(`element ${i}: ${got} vs ${want[i]}, ${e.toFixed(2)} x the bound (bias ${withBias}, accumulate ${accumulate})`);
                worst = Math.max(worst, e);
              }
            }
            expect(worst).toBeLessThanOrEqual(1);
          }
        }
      });
    }
  }

  it('the bound is tight enough to catch a wrong result (a k term dropped)', async () => {
    const c: Case = { M: 9, N: 11, K: 37, transA: false, transB: true, bias: false, accumulate: false };
    const a = randn(c.M * c.K, 1), b = randn(c.K * c.N, 2);
    const { got } = await run(new CpuBackend(), c, a, b, new Float32Array(c.N), new Float32Array(c.M * c.N));
    const short = { ...c, K: c.K - 1 };
    // the same operands with the last k column dropped: reference of the shorter product
    const a2 = new Float32Array(c.M * short.K), b2 = new Float32Array(short.K * c.N);
    for (let i = 0; i < c.M; i++) a2.set(a.subarray(i * c.K, i * c.K + short.K), i * short.K);
    for (let j = 0; j < c.N; j++) b2.set(b.subarray(j * c.K, j * c.K + short.K), j * short.K);
    const { want, scale } = reference(short, a2, b2, new Float32Array(c.N), new Float32Array(c.M * c.N));
    const over = Array.from(got, (g, i) => Math.abs(g - want[i]) / (gamma(c.K + 2) * scale[i]));
    expect(Math.max(...over)).toBeGreaterThan(10);
  });

  it('gives the same bits on every run (no timing-dependent choice)', async () => {
    const c: Case = { M: 67, N: 83, K: 300, transA: true, transB: false, bias: true, accumulate: true };
    const a = randn(c.M * c.K, 4), b = randn(c.K * c.N, 5), bias = randn(c.N, 6), init = randn(c.M * c.N, 7);
    const first = await run(new CpuBackend(), c, a, b, bias, init);
    const second = await run(new CpuBackend(), c, a, b, bias, init);
    expect(second.got).toEqual(first.got);
  });
});
