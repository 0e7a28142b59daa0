// Matrix multiply, the CPU backend's hot path, and its backward.
// M, N, K = rows of op(a), columns of op(b), the shared inner dimension. All matrices row-major f32.
// out[M,N] = (accumulate ? out : 0) + op(a)[M,K] @ op(b)[K,N] + bias[N]
//   a is stored [M,K] (or [K,M] when transA); b is stored [K,N] (or [N,K] when transB, nn.Linear layout).
//
// How it is fast: both operands are first packed into panels (a: 4 rows at a time, b: 4 columns at a time),
// k-major, so the 4x4 register-tiled micro-kernel reads two contiguous streams whatever the transposes were.
// The 16 partial sums live in locals (f64 in V8), one f32 rounding per output. Packing costs O(MK + KN)
// against the O(MNK) product and reuses module-level scratch, so nothing is allocated per call once warm.
// K is processed in chunks of KC so the b panels being swept stay in L1/L2.
import { needAll } from './check';

const MR = 4; // rows per a panel
const NR = 4; // columns per b panel
const KC = 256; // k-chunk: one b panel chunk = KC * NR * 4 bytes = 4 KiB

let packA: Float32Array = new Float32Array(0);
let packB: Float32Array = new Float32Array(0);

function grow(cur: Float32Array, n: number): Float32Array {
  return cur.length >= n ? cur : new Float32Array(Math.max(n, cur.length * 2));
}

/** Pack rows [0, M) x k [k0, k0+kc) of op(a) into panels of MR rows, k-major, zero-padded past M. */
function packPanelsA(dst: Float32Array, a: Float32Array, M: number, K: number, k0: number, kc: number, transA: boolean): void {
  const panels = Math.ceil(M / MR);
  for (let p = 0; p < panels; p++) {
    const base = p * kc * MR;
    for (let r = 0; r < MR; r++) {
      const i = p * MR + r;
      if (i >= M) {
        for (let k = 0; k < kc; k++) dst[base + k * MR + r] = 0;
      } else if (transA) {
        // a stored [K, M]: element (i, k) at k*M + i
        for (let k = 0; k < kc; k++) dst[base + k * MR + r] = a[(k0 + k) * M + i];
      } else {
        const row = i * K + k0;
        for (let k = 0; k < kc; k++) dst[base + k * MR + r] = a[row + k];
      }
    }
  }
}

/** Pack columns [0, N) x k [k0, k0+kc) of op(b) into panels of NR columns, k-major, zero-padded past N. */
function packPanelsB(dst: Float32Array, b: Float32Array, N: number, K: number, k0: number, kc: number, transB: boolean): void {
  const panels = Math.ceil(N / NR);
  for (let q = 0; q < panels; q++) {
    const base = q * kc * NR;
    if (!transB && q * NR + NR <= N) {
      // common case: 4 adjacent columns of a row-major [K, N] b
      for (let k = 0; k < kc; k++) {
        const s = (k0 + k) * N + q * NR;
        const d = base + k * NR;
        dst[d] = b[s];
        dst[d + 1] = b[s + 1];
        dst[d + 2] = b[s + 2];
        dst[d + 3] = b[s + 3];
      }
      continue;
    }
    for (let c = 0; c < NR; c++) {
      const j = q * NR + c;
      if (j >= N) {
        for (let k = 0; k < kc; k++) dst[base + k * NR + c] = 0;
      } else if (transB) {
        // b stored [N, K]: element (k, j) at j*K + k
        const row = j * K + k0;
        for (let k = 0; k < kc; k++) dst[base + k * NR + c] = b[row + k];
      } else {
        for (let k = 0; k < kc; k++) dst[base + k * NR + c] = b[(k0 + k) * N + j];
      }
    }
  }
}

/** out[M,N] = (accumulate ? out : 0) + op(a) @ op(b) + bias; see the legend for layouts. */
export function matmul(
  out: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | undefined,
  M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean,
): void {
  needAll('matmul', { out, a, b, bias, M, N, K, transA, transB, accumulate });
  // Initialise out once, then every k-chunk adds into it.
  if (!accumulate) {
    if (bias) for (let i = 0; i < M; i++) out.set(bias.subarray(0, N), i * N);
    else out.fill(0, 0, M * N);
  } else if (bias) {
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[i * N + j] += bias[j];
  }
  if (M === 0 || N === 0 || K === 0) return;
  const pa = Math.ceil(M / MR);
  const pb = Math.ceil(N / NR);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    packA = grow(packA, pa * MR * kc);
    packB = grow(packB, pb * NR * kc);
    packPanelsA(packA, a, M, K, k0, kc, transA);
    packPanelsB(packB, b, N, K, k0, kc, transB);
    for (let p = 0; p < pa; p++) {
      for (let q = 0; q < pb; q++) kernel4x4(out, packA, packB, p * MR * kc, q * NR * kc, kc, p * MR, q * NR, M, N);
    }
  }
}

/** The 4x4 register tile: out[i0.., j0..] += panelA(ia) . panelB(ib) over kc steps. */
function kernel4x4(out: Float32Array, A: Float32Array, B: Float32Array, ia: number, ib: number, kc: number, i0: number, j0: number, M: number, N: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = ia + kc * MR;
  for (; ia < end; ia += MR, ib += NR) {
    const a0 = A[ia], a1 = A[ia + 1], a2 = A[ia + 2], a3 = A[ia + 3];
    const b0 = B[ib], b1 = B[ib + 1], b2 = B[ib + 2], b3 = B[ib + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (i0 + MR <= M && j0 + NR <= N) {
    let o = i0 * N + j0;
    out[o] += c00; out[o + 1] += c01; out[o + 2] += c02; out[o + 3] += c03; o += N;
    out[o] += c10; out[o + 1] += c11; out[o + 2] += c12; out[o + 3] += c13; o += N;
    out[o] += c20; out[o + 1] += c21; out[o + 2] += c22; out[o + 3] += c23; o += N;
    out[o] += c30; out[o + 1] += c31; out[o + 2] += c32; out[o + 3] += c33;
    return;
  }
  // ragged edge tile: write only the rows and columns that exist
  const c = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < MR && i0 + r < M; r++) {
    for (let s = 0; s < NR && j0 + s < N; s++) out[(i0 + r) * N + j0 + s] += c[r * NR + s];
  }
}

/** Reference triple loop (f64 sums), for tests and the benchmark's naive peer. */
export function matmulNaive(
  out: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array | undefined,
  M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (transA ? a[k * M + i] : a[i * K + k]) * (transB ? b[j * K + k] : b[k * N + j]);
      out[i * N + j] = (accumulate ? out[i * N + j] : 0) + s + (bias ? bias[j] : 0);
    }
  }
}

/** Backward of y[M,N] = x[M,K] @ w^T + bias with w stored [N,K] (nn.Linear):
 *  dx (+= when accumulateDx) = dy @ w, dw += dy^T @ x, dbias += column sums of dy. */
export function linearBackward(
  dx: Float32Array | undefined, dw: Float32Array, dbias: Float32Array | undefined,
  dy: Float32Array, x: Float32Array, w: Float32Array, M: number, N: number, K: number, accumulateDx: boolean,
): void {
  if (dx) matmul(dx, dy, w, undefined, M, K, N, false, false, accumulateDx);
  matmul(dw, dy, x, undefined, N, K, M, true, false, true);
  if (dbias) {
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) dbias[j] += dy[i * N + j];
  }
}
