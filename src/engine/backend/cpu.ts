// The CPU backend: buffers are Float32Arrays, and dispatch runs the plain-TS twin of each kernel
// (src/engine/ops) on zero-copy subarray views of the slices. Deterministic: same inputs, same bits.
// Adding a kernel = one entry in KernelArgs (types.ts) and one line in `kernels` below.
import type { Backend, Buffer, KernelArgs, KernelName, Slice } from './types';
import { matmul } from '../ops/matmul';
import { layerNormBackward, layerNormForward } from '../ops/layernorm';
import { geluBackward, geluForward } from '../ops/gelu';
import { attentionBackward, attentionForward } from '../ops/attention';
import { embeddingBackward, embeddingForward } from '../ops/embedding';
import { crossEntropy } from '../ops/crossentropy';
import { add, addInPlaceN, fill, scale } from '../ops/elementwise';
import { adamw, ema, sgd } from '../ops/optim';
import { nonfinite, sumRows, sumsq } from '../ops/reduce';
import { f16Accumulate, f16Unpack, words } from '../ops/f16';
import { transpose } from '../ops/transpose';

/** A view of a slice's elements (no copy). */
type View = (s: Slice) => Float32Array;

/** One line per kernel: unpack the args and call the op on views. */
const kernels: { [K in KernelName]: (a: KernelArgs[K], v: View) => void } = {
  matmul: (a, v) => matmul(v(a.out), v(a.a), v(a.b), a.bias && v(a.bias), a.M, a.N, a.K, a.transA, a.transB, a.accumulate),
  sum_rows: (a, v) => sumRows(v(a.out), v(a.x), a.R, a.N),
  transpose: (a, v) => transpose(v(a.out), v(a.x), a.R, a.N),
  layernorm_fwd: (a, v) => layerNormForward(v(a.out), v(a.mean), v(a.rstd), v(a.x), v(a.w), v(a.b), a.R, a.C, a.eps),
  layernorm_bwd: (a, v) => layerNormBackward(v(a.dx), v(a.dw), v(a.db), v(a.dout), v(a.x), v(a.w), v(a.mean), v(a.rstd), a.R, a.C),
  gelu_fwd: (a, v) => geluForward(v(a.out), v(a.x), a.n),
  gelu_bwd: (a, v) => geluBackward(v(a.dx), v(a.dout), v(a.x), a.n),
  attention_fwd: (a, v) => attentionForward(v(a.out), v(a.lse), v(a.qkv), a.B, a.T, a.C, a.H),
  attention_bwd: (a, v) => attentionBackward(v(a.dqkv), v(a.dout), v(a.qkv), v(a.out), v(a.lse), a.B, a.T, a.C, a.H),
  embedding_fwd: (a, v) => embeddingForward(v(a.out), v(a.ids), v(a.wte), v(a.wpe), a.B, a.T, a.C),
  embedding_bwd: (a, v) => embeddingBackward(v(a.dwte), v(a.dwpe), v(a.dout), v(a.ids), a.B, a.T, a.C, a.V),
  crossentropy: (a, v) => crossEntropy(v(a.losses), v(a.dlogits), v(a.logits), v(a.targets), a.R, a.V, a.gradScale),
  add: (a, v) => add(v(a.out), v(a.a), v(a.b), a.n),
  add_inplace: (a, v) => addInPlaceN(v(a.acc), v(a.x), a.n),
  scale: (a, v) => scale(v(a.x), a.s, a.n),
  fill: (a, v) => fill(v(a.out), a.value, a.n),
  sumsq: (a, v) => sumsq(v(a.out), v(a.x), a.n),
  nonfinite: (a, v) => nonfinite(v(a.out), v(a.x), a.n),
  adamw: (a, v) => adamw(v(a.p), v(a.g), v(a.m), v(a.v), a.n, a.lr, a.beta1, a.beta2, a.eps, a.wd, a.bc1, a.bc2),
  sgd: (a, v) => sgd(v(a.p), v(a.g), v(a.buf), a.n, a.lr, a.momentum, a.wd, a.first),
  ema: (a, v) => ema(v(a.ema), v(a.p), a.n, a.decay),
  f16_accumulate: (a, v) => f16Accumulate(words(v(a.acc)), v(a.x), a.n),
  f16_unpack: (a, v) => f16Unpack(v(a.out), words(v(a.packed)), a.n),
};

/** Plain-TS backend on Float32Arrays; every kernel runs synchronously inside dispatch. */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  private readonly arrays = new Map<number, Float32Array>();
  private nextId = 1;
  private readonly view: View = (s) => {
    const arr = this.data(s.buf);
    if (s.offset < 0 || s.offset + s.length > arr.length) throw new RangeError(`cpu: slice [${s.offset}, ${s.offset + s.length}) is outside ${s.buf.label}[0, ${arr.length})`);
    return arr.subarray(s.offset, s.offset + s.length);
  };

  alloc(length: number, label = 'buffer'): Buffer {
    if (!(Number.isInteger(length) && length >= 0)) throw new RangeError(`cpu.alloc: bad length ${length} for ${label}`);
    const id = this.nextId++;
    this.arrays.set(id, new Float32Array(length));
    return { id, length, label };
  }

  write(buf: Buffer, data: Float32Array, offset = 0): void {
    const arr = this.data(buf);
    if (offset < 0 || offset + data.length > arr.length) throw new RangeError(`cpu.write: ${data.length} elements at ${offset} do not fit ${buf.label}[${arr.length}]`);
    arr.set(data, offset);
  }

  async read(src: Buffer | Slice): Promise<Float32Array> {
    const s: Slice = 'buf' in src ? src : { buf: src, offset: 0, length: src.length };
    return this.view(s).slice();
  }

  dispatch<K extends KernelName>(kernel: K, args: KernelArgs[K]): void {
    const run = kernels[kernel] as ((a: KernelArgs[K], v: View) => void) | undefined;
    if (!run) throw new Error(`cpu: unknown kernel '${String(kernel)}'`);
    run(args, this.view);
  }

  async flush(): Promise<void> {}

  free(buf: Buffer): void {
    this.arrays.delete(buf.id);
  }

  destroy(): void {
    this.arrays.clear();
  }

  /** The backing array of a buffer (CPU only; tests and host-side helpers use it to avoid a copy). */
  data(buf: Buffer): Float32Array {
    const arr = this.arrays.get(buf.id);
    if (!arr) throw new Error(`cpu: buffer ${buf.label} (#${buf.id}) was freed or belongs to another backend`);
    return arr;
  }
}
