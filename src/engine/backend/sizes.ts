// The elements each slice argument of a kernel must hold, from the shapes in types.ts: one table, checked
// by both backends before a kernel runs, so a bad shape fails naming the kernel and the argument instead
// of reading or writing past a slice (a wasm kernel would overwrite other buffers of the heap, a WGSL
// kernel read the next slice). The plain-TS twins check their arrays against the same table (ops/check.ts).
// Legend as types.ts.
import type { KernelArgs, KernelName, Slice } from './types';

/** Anything with a length: a backend's slice, or a twin's array. */
type Sized = { readonly length: number };

/** A kernel's arguments with a slice or an array wherever KernelArgs has a slice. */
export type SizedArgs<K extends KernelName> = {
  [F in keyof KernelArgs[K]]: KernelArgs[K][F] extends Slice ? Sized : KernelArgs[K][F] extends Slice | undefined ? Sized | undefined : KernelArgs[K][F];
};

type Sizes<K extends KernelName> = (a: SizedArgs<K>) => [name: string, arg: Sized | undefined, elements: number][];

const sizes: { [K in KernelName]: Sizes<K> } = {
  matmul: (a) => [['out', a.out, a.M * a.N], ['a', a.a, a.M * a.K], ['b', a.b, a.K * a.N], ['bias', a.bias, a.N]],
  sum_rows: (a) => [['out', a.out, a.N], ['x', a.x, a.R * a.N]],
  transpose: (a) => [['x', a.x, a.R * a.N], ['out', a.out, a.R * a.N]],
  layernorm_fwd: (a) => [['out', a.out, a.R * a.C], ['x', a.x, a.R * a.C], ['mean', a.mean, a.R], ['rstd', a.rstd, a.R], ['w', a.w, a.C], ['b', a.b, a.C]],
  layernorm_bwd: (a) => [
    ['dx', a.dx, a.R * a.C], ['dout', a.dout, a.R * a.C], ['x', a.x, a.R * a.C],
    ['dw', a.dw, a.C], ['db', a.db, a.C], ['w', a.w, a.C], ['mean', a.mean, a.R], ['rstd', a.rstd, a.R],
  ],
  gelu_fwd: (a) => [['out', a.out, a.n], ['x', a.x, a.n]],
  gelu_bwd: (a) => [['dx', a.dx, a.n], ['dout', a.dout, a.n], ['x', a.x, a.n]],
  attention_fwd: (a) => [['out', a.out, a.B * a.T * a.C], ['lse', a.lse, a.B * a.H * a.T], ['qkv', a.qkv, a.B * a.T * 3 * a.C]],
  attention_bwd: (a) => [
    ['dqkv', a.dqkv, a.B * a.T * 3 * a.C], ['dout', a.dout, a.B * a.T * a.C], ['qkv', a.qkv, a.B * a.T * 3 * a.C],
    ['out', a.out, a.B * a.T * a.C], ['lse', a.lse, a.B * a.H * a.T],
  ],
  // wte has V rows, and V is not among the forward's arguments
  embedding_fwd: (a) => [['out', a.out, a.B * a.T * a.C], ['ids', a.ids, a.B * a.T], ['wpe', a.wpe, a.T * a.C]],
  embedding_bwd: (a) => [['dwte', a.dwte, a.V * a.C], ['dwpe', a.dwpe, a.T * a.C], ['dout', a.dout, a.B * a.T * a.C], ['ids', a.ids, a.B * a.T]],
  crossentropy: (a) => [['losses', a.losses, a.R], ['dlogits', a.dlogits, a.R * a.V], ['logits', a.logits, a.R * a.V], ['targets', a.targets, a.R]],
  add: (a) => [['out', a.out, a.n], ['a', a.a, a.n], ['b', a.b, a.n]],
  add_inplace: (a) => [['acc', a.acc, a.n], ['x', a.x, a.n]],
  scale: (a) => [['x', a.x, a.n]],
  fill: (a) => [['out', a.out, a.n]],
  sumsq: (a) => [['x', a.x, a.n], ['out', a.out, 1]],
  nonfinite: (a) => [['x', a.x, a.n], ['out', a.out, 1]],
  adamw: (a) => [['p', a.p, a.n], ['g', a.g, a.n], ['m', a.m, a.n], ['v', a.v, a.n]],
  sgd: (a) => [['p', a.p, a.n], ['g', a.g, a.n], ['buf', a.momentum > 0 ? a.buf : undefined, a.n]], // buf unused without momentum
  ema: (a) => [['ema', a.ema, a.n], ['p', a.p, a.n]],
  f16_accumulate: (a) => [['acc', a.acc, Math.ceil(a.n / 2)], ['x', a.x, a.n]],
  f16_unpack: (a) => [['packed', a.packed, Math.ceil(a.n / 2)], ['out', a.out, a.n]],
};

/** Each sized argument of a kernel call (absent ones undefined) with the elements it must hold. */
export const sizeList = <K extends KernelName>(kernel: K, a: SizedArgs<K>): ReturnType<Sizes<K>> => (sizes[kernel] as Sizes<K>)(a);

/** Throws RangeError `<kernel>: <arg> (<buffer label>) has L elements, needs n` for the first slice
 *  shorter than the kernel's shapes need, or `bad size` for a size that is not a non-negative integer. */
export function checkSizes<K extends KernelName>(kernel: K, a: KernelArgs[K]): void {
  for (const [name, s, n] of sizeList(kernel, a as SizedArgs<K>)) {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`${kernel}: bad size ${n} for ${name}`);
    if (s && s.length < n) throw new RangeError(`${kernel}: ${name} (${(s as Slice).buf.label}) has ${s.length} elements, needs ${n}`);
  }
}
