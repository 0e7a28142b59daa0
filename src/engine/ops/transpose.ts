// Matrix transpose, the CPU twin of shaders/transpose.wgsl. R = rows of x, N = columns of x; row-major f32.
// The fp16 backward uses it to take rows of dW = dy^T @ x in blocks: rows n0..n1 of dW need columns
// n0..n1 of dy, which are strided in dy and contiguous in dy^T. Exact: a copy, no arithmetic.
import { needAll } from './check';

/** out[N,R] = x[R,N]^T (out[j*R + i] = x[i*N + j]); out is overwritten and must not overlap x. */
export function transpose(out: Float32Array, x: Float32Array, R: number, N: number): void {
  needAll('transpose', { out, x, R, N });
  for (let i = 0; i < R; i++) {
    const row = i * N;
    for (let j = 0; j < N; j++) out[j * R + i] = x[row + j];
  }
}
