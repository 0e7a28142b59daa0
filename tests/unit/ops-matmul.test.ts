// The packed, register-tiled matmul against the naive triple loop for every transA/transB/bias/accumulate
// combination, on ragged shapes (not multiples of the 4x4 tile) and K above the 256 k-chunk.
// Tolerance 1e-6 norm-relative: both sum in f64; ours rounds once per 256-long k-chunk instead of once,
// so they differ by a few f32 roundings (~6e-8 each) of O(1) partial sums.
import { describe, expect, it } from 'vitest';
import { linearBackward, matmul, matmulNaive } from '../../src/engine/ops/matmul';
import { randn, relErr } from './gradcheck-helpers';

const shapes: [number, number, number][] = [[1, 1, 1], [5, 3, 7], [4, 8, 4], [13, 17, 9], [33, 6, 300], [2, 70, 513]];

describe('matmul vs naive', () => {
  for (const [M, N, K] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`M=${M} N=${N} K=${K} transA=${transA} transB=${transB}, bias and accumulate on and off`, () => {
          const a = randn(M * K, M + K), b = randn(K * N, N + K + 1), bias = randn(N, 3);
          for (const withBias of [false, true]) {
            for (const accumulate of [false, true]) {
              const init = randn(M * N, 7); // what `out` held before: kept with accumulate, ignored without
              const got = init.slice(), want = init.slice();
              matmul(got, a, b, withBias ? bias : undefined, M, N, K, transA, transB, accumulate);
              matmulNaive(want, a, b, withBias ? bias : undefined, M, N, K, transA, transB, accumulate);
              expect(relErr(got, want)).toBeLessThan(1e-6);
            }
          }
        });
      }
    }
  }

  it('does not write past M*N elements of a longer output', () => {
    const M = 3, N = 5, K = 4;
    const out = new Float32Array(M * N + 4).fill(9);
    matmul(out, randn(M * K, 1), randn(K * N, 2), undefined, M, N, K, false, false, false);
    expect(Array.from(out.subarray(M * N))).toEqual([9, 9, 9, 9]);
  });

  it('throws a specific error when an operand is too short', () => {
    expect(() => matmul(new Float32Array(6), new Float32Array(5), new Float32Array(6), undefined, 2, 3, 3, false, false, false)).toThrow(/a holds 5 elements, needs 6/);
  });

  it('linearBackward gives dx = dy W, dW += dy^T x, dbias += column sums', () => {
    const M = 6, N = 5, K = 3;
    const dy = randn(M * N, 1), x = randn(M * K, 2), w = randn(N * K, 3);
    const dx = new Float32Array(M * K), dw = new Float32Array(N * K).fill(1), db = new Float32Array(N).fill(2);
    linearBackward(dx, dw, db, dy, x, w, M, N, K, false);
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += dy[i * N + j] * w[j * K + k];
        expect(dx[i * K + k]).toBeCloseTo(s, 5);
      }
    }
    for (let j = 0; j < N; j++) {
      let sb = 2;
      for (let i = 0; i < M; i++) sb += dy[i * N + j];
      expect(db[j]).toBeCloseTo(sb, 5);
      for (let k = 0; k < K; k++) {
        let s = 1;
        for (let i = 0; i < M; i++) s += dy[i * N + j] * x[i * K + k];
        expect(dw[j * K + k]).toBeCloseTo(s, 5);
      }
    }
  });
});
