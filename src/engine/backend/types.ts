// The small backend interface every device computes through: alloc, write, read, dispatch, free.
// The model (src/engine/model) is written once against it; the CPU backend runs the plain-TS twins in
// src/engine/ops, the WebGPU backend runs shaders/*.wgsl. Both must give the same numbers.
//
// Legend: R = rows, C = channels, B = batch, T = time, H = heads, V = vocabulary, n = element count.
// All buffers hold f32. Token ids and targets are stored as f32 (exact below 2^24).
// "(+=)" marks outputs that accumulate into what is there; every other output is overwritten.
// Parameter gradients always accumulate, so micro-batches add up until the caller zeroes them.

import type { BackendName } from './adapter';

/** An opaque device buffer of `length` f32 elements. */
export interface Buffer {
  readonly id: number;
  readonly length: number;
  readonly label: string;
}

/** A contiguous range of a buffer: elements [offset, offset + length). */
export interface Slice {
  readonly buf: Buffer;
  readonly offset: number;
  readonly length: number;
}

export interface KernelArgs {
  /** out[M,N] = (accumulate ? out : 0) + op(a)[M,K] @ op(b)[K,N] + (bias ? bias[N] : 0).
   *  a is stored [M,K] (or [K,M] when transA); b is stored [K,N] (or [N,K] when transB, nn.Linear layout). */
  matmul: {
    out: Slice; a: Slice; b: Slice; bias?: Slice;
    M: number; N: number; K: number; transA: boolean; transB: boolean; accumulate: boolean;
  };
  /** out[N] (+=) sum over rows of x[R,N]: the bias gradient. */
  sum_rows: { out: Slice; x: Slice; R: number; N: number };
  /** out[N,R] = x[R,N] transposed: out[j*R + i] = x[i*N + j]. out and x must not overlap. Rows n0..n1 of
   *  out are columns n0..n1 of x, contiguous: a row block of dW = dy^T @ x becomes a plain matmul. */
  transpose: { out: Slice; x: Slice; R: number; N: number };
  /** out = LayerNorm(x) * w + b over the last dim; also writes mean[R] and rstd[R] = 1/sqrt(var + eps). */
  layernorm_fwd: { out: Slice; mean: Slice; rstd: Slice; x: Slice; w: Slice; b: Slice; R: number; C: number; eps: number };
  /** dx (+=), dw (+=), db (+=) from dout, x, w and the saved mean/rstd. */
  layernorm_bwd: { dx: Slice; dw: Slice; db: Slice; dout: Slice; x: Slice; w: Slice; mean: Slice; rstd: Slice; R: number; C: number };
  /** out = gelu(x), exact (erf) form. */
  gelu_fwd: { out: Slice; x: Slice; n: number };
  /** dx = dout * gelu'(x). */
  gelu_bwd: { dx: Slice; dout: Slice; x: Slice; n: number };
  /** Causal multi-head self-attention. qkv[B,T,3C] holds q|k|v along the last dim, heads contiguous inside
   *  each (head h of q is qkv[b,t, h*hs:(h+1)*hs], hs = C/H); scale 1/sqrt(hs). out[B,T,C] has heads
   *  concatenated; lse[B,H,T] is each softmax row's log-sum-exp (of scaled, masked scores), saved so the
   *  backward can recompute probabilities without storing the T x T matrix. */
  attention_fwd: { out: Slice; lse: Slice; qkv: Slice; B: number; T: number; C: number; H: number };
  /** dqkv[B,T,3C] (overwritten) from dout[B,T,C], qkv, the forward's out and lse. */
  attention_bwd: { dqkv: Slice; dout: Slice; qkv: Slice; out: Slice; lse: Slice; B: number; T: number; C: number; H: number };
  /** out[B*T,C] = wte[ids[b,t]] + wpe[t]. */
  embedding_fwd: { out: Slice; ids: Slice; wte: Slice; wpe: Slice; B: number; T: number; C: number };
  /** dwte[V,C] (+=) scatter of dout rows by id; dwpe[T,C] (+=) dout summed over the batch. */
  embedding_bwd: { dwte: Slice; dwpe: Slice; dout: Slice; ids: Slice; B: number; T: number; C: number; V: number };
  /** Fused softmax cross-entropy. losses[R] = -log softmax(logits[r])[targets[r]];
   *  dlogits[R,V] = (softmax - onehot) * gradScale (gradScale = loss scale / rows in the global batch). */
  crossentropy: { losses: Slice; dlogits: Slice; logits: Slice; targets: Slice; R: number; V: number; gradScale: number };
  /** out = a + b. */
  add: { out: Slice; a: Slice; b: Slice; n: number };
  /** acc += x. */
  add_inplace: { acc: Slice; x: Slice; n: number };
  /** x *= s. */
  scale: { x: Slice; s: number; n: number };
  /** out = value. */
  fill: { out: Slice; value: number; n: number };
  /** out[0] = sum of x[i]^2 (f32 result; the reduction order is the backend's). */
  sumsq: { out: Slice; x: Slice; n: number };
  /** out[0] = 1 if any x[i] is inf or NaN, else 0. */
  nonfinite: { out: Slice; x: Slice; n: number };
  /** AdamW (decoupled weight decay): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
   *  p -= lr * (wd * p + (m / bc1) / (sqrt(v / bc2) + eps)), bc1 = 1 - b1^t, bc2 = 1 - b2^t. */
  adamw: { p: Slice; g: Slice; m: Slice; v: Slice; n: number; lr: number; beta1: number; beta2: number; eps: number; wd: number; bc1: number; bc2: number };
  /** SGD as torch.optim.SGD: g' = g + wd p; buf = momentum buf + g' (buf = g' at t = 1 when `first`);
   *  p -= lr * (momentum > 0 ? buf : g'). `buf` is ignored when momentum is 0. */
  sgd: { p: Slice; g: Slice; buf: Slice; n: number; lr: number; momentum: number; wd: number; first: boolean };
  /** ema = decay * ema + (1 - decay) * p. */
  ema: { ema: Slice; p: Slice; n: number; decay: number };
  /** FP16 gradient accumulation: acc holds n f16 values packed two per 32-bit word (ceil(n/2) elements of
   *  the buffer; element 2w in the low half of word w). acc[e] = f16(f32(acc[e]) + x[e]): summed in f32,
   *  rounded once to f16, nearest even; |sum| >= 65520 becomes +-inf and NaN stays NaN (the loss scaler's
   *  nonfinite check must see overflows). Bits are identical on every backend. */
  f16_accumulate: { acc: Slice; x: Slice; n: number };
  /** out[n] = the n f16 values packed in `packed` (ceil(n/2) words), widened to f32 (exact). */
  f16_unpack: { out: Slice; packed: Slice; n: number };
}

export type KernelName = keyof KernelArgs;

export interface Backend {
  readonly name: BackendName;
  /** A zero-filled buffer of `length` f32 elements. */
  alloc(length: number, label?: string): Buffer;
  /** Copy host data into buf starting at element `offset`. */
  write(buf: Buffer, data: Float32Array, offset?: number): void;
  /** A fresh host copy of the slice (safe to transfer). On WebGPU this is a CPU-GPU sync point. */
  read(src: Buffer | Slice): Promise<Float32Array>;
  /** Queue one kernel. CPU runs it now; WebGPU records it into the current command encoder. */
  dispatch<K extends KernelName>(kernel: K, args: KernelArgs[K]): void;
  /** Wait until everything dispatched so far has run. */
  flush(): Promise<void>;
  free(buf: Buffer): void;
  /** Release everything this backend holds. */
  destroy(): void;
}

/** The slice covering a whole buffer. */
export function whole(buf: Buffer): Slice {
  return { buf, offset: 0, length: buf.length };
}

/** A sub-range of a slice; throws when it would leave the parent. */
export function sub(s: Slice, offset: number, length: number): Slice {
  if (offset < 0 || length < 0 || offset + length > s.length) {
    throw new RangeError(`slice [${offset}, ${offset + length}) is outside ${s.buf.label}[0, ${s.length})`);
  }
  return { buf: s.buf, offset: s.offset + offset, length };
}
