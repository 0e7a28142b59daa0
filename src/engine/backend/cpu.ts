// The CPU backend: buffers are f32 arrays, and dispatch runs each kernel's WebAssembly SIMD path
// (src/engine/wasm, where the kernel has one) or its plain-TS twin (src/engine/ops) on zero-copy views of
// the slices. With WebAssembly SIMD, buffers live in this thread's wasm heap so both kinds of kernel work
// in place; without it (or with `{ wasm: false }`) they are plain Float32Arrays and only the twins run.
// Deterministic: which kernel runs depends only on the arguments, so the same inputs give the same bits.
// Adding a kernel = one entry in KernelArgs (types.ts) and one line in `kernels` below (and optionally a
// wasm path in src/engine/wasm/paths.ts, tested against the twin).
import { checkSizes } from './sizes';
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
import { wasmKernels, type WasmKernels } from '../wasm/kernels';
import { wasmPaths, type At } from '../wasm/paths';
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

/** Where a buffer's elements are: at a byte address of the wasm heap, or in a plain array. */
type Store = { length: number; addr: number; arr: null } | { length: number; addr: -1; arr: Float32Array };

export interface CpuBackendOptions {
  /** Use the WebAssembly SIMD kernels where available (default true); false: plain-TS twins only. */
  wasm?: boolean;
}

/** CPU backend; every kernel runs synchronously inside dispatch. */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  /** The wasm kernels in use, or null (no WebAssembly SIMD here, or disabled by the options). */
  readonly wasm: WasmKernels | null;
  private readonly stores = new Map<number, Store>();
  private nextId = 1;
  private readonly view: View = (s) => {
    const st = this.store(s.buf);
    if (s.offset < 0 || s.offset + s.length > st.length) throw new RangeError(`cpu: slice [${s.offset}, ${s.offset + s.length}) is outside ${s.buf.label}[0, ${st.length})`);
    if (st.arr) return st.arr.subarray(s.offset, s.offset + s.length);
    const base = st.addr / 4 + s.offset; // addresses reach 4 GiB: no 32-bit shifts
    return this.wasm!.heap.f32.subarray(base, base + s.length);
  };
  private readonly at: At = (s) => {
    const st = this.store(s.buf);
    if (s.offset < 0 || s.offset + s.length > st.length) throw new RangeError(`cpu: slice [${s.offset}, ${s.offset + s.length}) is outside ${s.buf.label}[0, ${st.length})`);
    return st.arr ? -1 : st.addr + 4 * s.offset;
  };

  constructor(opts: CpuBackendOptions = {}) {
    this.wasm = opts.wasm === false ? null : wasmKernels();
  }

  /** Which kernels run: 'wasm-simd' (with TS twins for kernels without a wasm path) or 'ts'. */
  get kernels(): 'wasm-simd' | 'ts' {
    return this.wasm ? 'wasm-simd' : 'ts';
  }

  alloc(length: number, label = 'buffer'): Buffer {
    if (!(Number.isInteger(length) && length >= 0)) throw new RangeError(`cpu.alloc: bad length ${length} for ${label}`);
    const id = this.nextId++;
    // in the heap when there is one and it can grow; else a plain array (the wasm paths then decline)
    const addr = this.wasm && length > 0 ? this.wasm.heap.alloc(4 * length) : null;
    this.stores.set(id, addr === null ? { length, addr: -1, arr: new Float32Array(length) } : { length, addr, arr: null });
    return { id, length, label };
  }

  write(buf: Buffer, data: Float32Array, offset = 0): void {
    const st = this.store(buf);
    if (offset < 0 || offset + data.length > st.length) throw new RangeError(`cpu.write: ${data.length} elements at ${offset} do not fit ${buf.label}[${st.length}]`);
    this.view({ buf, offset, length: data.length }).set(data);
  }

  async read(src: Buffer | Slice): Promise<Float32Array> {
    const s: Slice = 'buf' in src ? src : { buf: src, offset: 0, length: src.length };
    return this.view(s).slice();
  }

  dispatch<K extends KernelName>(kernel: K, args: KernelArgs[K]): void {
    const run = kernels[kernel] as ((a: KernelArgs[K], v: View) => void) | undefined;
    if (!run) throw new Error(`cpu: unknown kernel '${String(kernel)}'`);
    const fast = this.wasm ? (wasmPaths[kernel] as ((a: KernelArgs[K], at: At, w: WasmKernels) => boolean) | undefined) : undefined;
    if (fast) {
      checkSizes(kernel, args); // the twins check their arrays themselves
      if (fast(args, this.at, this.wasm!)) return;
    }
    run(args, this.view);
  }

  async flush(): Promise<void> {}

  free(buf: Buffer): void {
    const st = this.stores.get(buf.id);
    if (!st) return;
    this.stores.delete(buf.id);
    if (!st.arr) this.wasm!.heap.release(st.addr, 4 * st.length);
  }

  destroy(): void {
    for (const [id, st] of this.stores) {
      if (!st.arr) this.wasm!.heap.release(st.addr, 4 * st.length);
      this.stores.delete(id);
    }
  }

  /** A live view of a buffer's elements (CPU only; tests and host-side helpers use it to avoid a copy).
   *  With the wasm heap, a later alloc on any CPU backend of this thread may grow the memory and detach
   *  the view: call data() again after allocating. */
  data(buf: Buffer): Float32Array {
    return this.view({ buf, offset: 0, length: buf.length });
  }

  private store(buf: Buffer): Store {
    const st = this.stores.get(buf.id);
    if (!st) throw new Error(`cpu: buffer ${buf.label} (#${buf.id}) was freed or belongs to another backend`);
    return st;
  }
}
