// The transpose kernel's CPU twin: the definition out[j*R + i] = x[i*N + j] on ragged shapes, through the
// CpuBackend on sub-slices, and what it is for: a block of rows of dW = dy^T @ x taken from dy^T with a
// plain matmul equals those rows of the transA matmul.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { sub, whole } from '../../src/engine/backend/types';
import { transpose } from '../../src/engine/ops/transpose';
import { randn, relErr } from './gradcheck-helpers';

describe('transpose', () => {
  it('is the definition on ragged shapes, and transposing twice gives x back', () => {
    for (const [R, N] of [[1, 1], [1, 5], [5, 1], [3, 7], [64, 33]]) {
      const x = Float32Array.from(randn(R * N, R + N));
      const out = new Float32Array(R * N).fill(NaN);
      transpose(out, x, R, N);
      for (let i = 0; i < R; i++) for (let j = 0; j < N; j++) expect(out[j * R + i]).toBe(x[i * N + j]);
      const back = new Float32Array(R * N);
      transpose(back, out, N, R);
      expect(back).toEqual(x);
    }
    expect(() => transpose(new Float32Array(5), new Float32Array(6), 2, 3)).toThrow(/transpose: out holds 5 elements, needs 6/);
  });

  it('runs on sub-slices of the CpuBackend and leaves the rest alone', async () => {
    const be = new CpuBackend();
    const buf = be.alloc(14, 'arena');
    be.write(buf, Float32Array.from([9, 1, 2, 3, 4, 5, 6, 9, 0, 0, 0, 0, 0, 0]));
    be.dispatch('transpose', { out: sub(whole(buf), 8, 6), x: sub(whole(buf), 1, 6), R: 2, N: 3 });
    expect(Array.from(await be.read(buf))).toEqual([9, 1, 2, 3, 4, 5, 6, 9, 1, 4, 2, 5, 3, 6]);
  });

  it('gives row blocks of dy^T @ x as plain matmuls that equal the rows of the transA product', async () => {
    const be = new CpuBackend();
    const R = 24, N = 10, K = 6; // dy [R,N], x [R,K], dW [N,K]
    const dy = be.alloc(R * N, 'dy'), x = be.alloc(R * K, 'x'), dyT = be.alloc(R * N, 'dyT');
    const want = be.alloc(N * K, 'want'), got = be.alloc(N * K, 'got');
    be.write(dy, Float32Array.from(randn(R * N, 1)));
    be.write(x, Float32Array.from(randn(R * K, 2)));
    be.dispatch('matmul', { out: whole(want), a: whole(dy), b: whole(x), M: N, N: K, K: R, transA: true, transB: false, accumulate: false });
    be.dispatch('transpose', { out: whole(dyT), x: whole(dy), R, N });
    for (const [n0, m] of [[0, 4], [4, 4], [8, 2]]) {
      be.dispatch('matmul', { out: sub(whole(got), n0 * K, m * K), a: sub(whole(dyT), n0 * R, m * R), b: whole(x), M: m, N: K, K: R, transA: false, transB: false, accumulate: false });
    }
    // the same products summed over R; a matmul may order the sums differently for the two layouts: 1e-6
    expect(relErr(await be.read(got), await be.read(want))).toBeLessThan(1e-6);
  });
});
