// Where the GPT's backward puts parameter gradients: a gradient store. The backward asks the store for a
// slice to ADD a piece of a gradient into (`open`), and says when the pieces opened so far are final for
// this micro-batch (`flush`); the optimizer and the gradient statistics ask for f32 views of ranges.
//   fp32 (F32Grads): one f32 buffer of P gradients (`grads`, 4 bytes/param). open() is that buffer's
//     range, so every kernel accumulates straight into the gradient, and flush() does nothing.
//   fp16 (F16Grads): the gradient IS packed fp16 (`grads.f16`, two halves per 32-bit word, 2 bytes/param),
//     plus an f32 scratch of `room` elements (`grads.scratch`). open() zeroes a piece of the scratch;
//     flush() adds every open piece into the packed words with f16_accumulate (summed in f32, rounded
//     once to fp16, nearest even; overflow becomes inf for the loss scaler to see). So gradients
//     accumulate across micro-batches in fp16 storage, and no f32 copy of all P gradients exists.
//     view(a, b) unpacks a range of at most `room` into the scratch.
// Packed words hold two elements, so every range handed to F16Grads starts at an even element (with an
// even nEmbd every parameter's size is even: config.ts refuses fp16 with an odd one).
// Legend: P = parameters, S = room (scratch elements), V = vocabulary, T = blockSize, C = nEmbd.
import type { Backend, Buffer, Slice } from '../backend/types';
import { sub, whole } from '../backend/types';
import { f16Table, packF16 } from '../ops/f16';
import type { ModelConfig } from './config';
import type { ParamSpec } from './params';

export type Precision = 'fp32' | 'fp16';

/** Where gradients live; see the header. */
export interface GradStore {
  readonly precision: Precision;
  /** Most elements open at once between flushes, and the longest range view() serves. */
  readonly room: number;
  /** Open slices are the gradient storage itself and stay valid until zero() (fp32), so gradient parts
   *  can be added whenever backward has them; otherwise they are valid until the next flush(). */
  readonly persistent: boolean;
  /** Bytes allocated for gradients (storage and scratch). */
  readonly bytes: number;
  /** Every gradient = 0 (before the first micro-batch of a step). */
  zero(): void;
  /** A slice that kernels ADD elements [offset, offset + n) of the flat gradient into. */
  open(offset: number, n: number): Slice;
  /** The pieces opened since the last flush are final for this micro-batch. */
  flush(): void;
  /** The f32 gradients [a, b) as a slice (b - a <= room); fp16: unpacked into the scratch, valid until
   *  the next view or open. */
  view(a: number, b: number): Slice;
  /** A host copy of the f32 gradients [a, b) (fp16: 2 bytes per element are read back, decoded here). */
  read(a: number, b: number): Promise<Float32Array>;
  /** gradients[offset, offset + flat.length) = flat (fp16: rounded to the nearest half). */
  write(flat: Float32Array, offset: number): void;
  destroy(): void;
}

/** Elements of the fp16 scratch: the largest gradient piece backward cannot produce in row blocks:
 *  wte's (embedding scatter plus tied head, V x C), wpe's (T x C), the widest bias (4C). The linear
 *  layers' weights are written in blocks of rows that fit (model/gpt.ts). Rounded up to even. */
export function f16Room(cfg: ModelConfig): number {
  const { vocabSize: V, blockSize: T, nEmbd: C } = cfg;
  const n = Math.max(V * C, T * C, 4 * C);
  return n + (n % 2);
}

/** Gradients as one f32 buffer of P elements. */
export class F32Grads implements GradStore {
  readonly precision = 'fp32';
  readonly persistent = true;
  readonly buf: Buffer;
  readonly room: number;
  readonly bytes: number;

  constructor(private readonly be: Backend, n: number) {
    this.buf = be.alloc(n, 'grads');
    this.room = n;
    this.bytes = 4 * n;
  }

  zero(): void {
    this.be.dispatch('fill', { out: whole(this.buf), value: 0, n: this.buf.length });
  }

  open(offset: number, n: number): Slice {
    return sub(whole(this.buf), offset, n);
  }

  flush(): void {}

  view(a: number, b: number): Slice {
    return sub(whole(this.buf), a, b - a);
  }

  read(a: number, b: number): Promise<Float32Array> {
    return this.be.read(sub(whole(this.buf), a, b - a));
  }

  write(flat: Float32Array, offset: number): void {
    this.be.write(this.buf, flat, offset);
  }

  destroy(): void {
    this.be.free(this.buf);
  }
}

/** Gradients as packed fp16 (P/2 words) plus an f32 scratch of `room` elements. */
export class F16Grads implements GradStore {
  readonly precision = 'fp16';
  readonly persistent = false;
  readonly packed: Buffer;
  readonly scratch: Buffer;
  readonly bytes: number;
  /** Pieces opened since the last flush: gradient offset, scratch offset, length. */
  private pending: { at: number; from: number; n: number }[] = [];
  private used = 0;

  /** `specs` are checked: every parameter must start on a packed word. */
  constructor(private readonly be: Backend, specs: ParamSpec[], readonly room: number) {
    const bad = specs.find((s) => s.offset % 2 || s.size % 2);
    if (bad) throw new RangeError(`fp16 gradients: ${bad.name} has ${bad.size} elements at ${bad.offset}; packed storage needs even sizes (an even nEmbd)`);
    if (room % 2 || room < 2) throw new RangeError(`fp16 gradients: the scratch must hold an even number of elements, got ${room}`);
    const last = specs[specs.length - 1];
    const n = last.offset + last.size;
    this.packed = be.alloc(n / 2, 'grads.f16');
    this.scratch = be.alloc(room, 'grads.scratch');
    this.bytes = 4 * (this.packed.length + room);
  }

  zero(): void {
    this.be.dispatch('fill', { out: whole(this.packed), value: 0, n: this.packed.length }); // a zero word is two +0 halves
  }

  open(offset: number, n: number): Slice {
    this.checkEven(offset, 'open');
    // A piece starts on a 64-element (256-byte) boundary when that still fits, so two open pieces (a
    // LayerNorm's weight and bias) bind as separate ranges on WebGPU instead of through an alias copy.
    const aligned = Math.ceil(this.used / 64) * 64;
    const from = aligned + n <= this.room ? aligned : this.used;
    if (from + n > this.room) throw new RangeError(`fp16 gradients: ${n} more elements do not fit the scratch (${this.used} of ${this.room} open)`);
    const s = sub(whole(this.scratch), from, n);
    this.be.dispatch('fill', { out: s, value: 0, n });
    this.pending.push({ at: offset, from, n });
    this.used = from + n;
    return s;
  }

  flush(): void {
    for (const p of this.pending) {
      this.be.dispatch('f16_accumulate', { acc: this.words(p.at, p.n), x: sub(whole(this.scratch), p.from, p.n), n: p.n });
    }
    this.pending = [];
    this.used = 0;
  }

  view(a: number, b: number): Slice {
    this.checkEven(a, 'view');
    if (b - a > this.room) throw new RangeError(`fp16 gradients: a view of ${b - a} elements exceeds the scratch (${this.room})`);
    const out = sub(whole(this.scratch), 0, b - a);
    this.be.dispatch('f16_unpack', { out, packed: this.words(a, b - a), n: b - a });
    return out;
  }

  async read(a: number, b: number): Promise<Float32Array> {
    this.checkEven(a, 'read');
    const w = await this.be.read(this.words(a, b - a));
    // the halves as stored (a fresh copy: little-endian, element 2w in the low half of word w)
    const h = new Uint16Array(w.buffer, w.byteOffset, 2 * w.length);
    const t = f16Table();
    const out = new Float32Array(b - a);
    for (let i = 0; i < out.length; i++) out[i] = t[h[i]];
    return out;
  }

  write(flat: Float32Array, offset: number): void {
    this.checkEven(offset, 'write');
    if (flat.length % 2 && offset + flat.length !== 2 * this.packed.length) throw new RangeError(`fp16 gradients: write of ${flat.length} elements would split a packed word`);
    const w = packF16(flat);
    this.be.write(this.packed, new Float32Array(w.buffer, w.byteOffset, w.length), offset / 2);
  }

  destroy(): void {
    this.be.free(this.packed);
    this.be.free(this.scratch);
  }

  /** The words holding elements [a, a + n). */
  private words(a: number, n: number): Slice {
    return sub(whole(this.packed), a / 2, Math.ceil(n / 2));
  }

  private checkEven(a: number, what: string): void {
    if (a % 2) throw new RangeError(`fp16 gradients: ${what} at element ${a} would start inside a packed word`);
  }
}

/** The gradient store of a model with these parameters. */
export function createGrads(be: Backend, cfg: ModelConfig, specs: ParamSpec[], precision: Precision): GradStore {
  const last = specs[specs.length - 1];
  return precision === 'fp16' ? new F16Grads(be, specs, f16Room(cfg)) : new F32Grads(be, last.offset + last.size);
}

/** [a, b) pieces of [lo, hi) of at most `size` elements, starting at lo. */
export function chunks(lo: number, hi: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = lo; a < hi; a += size) out.push([a, Math.min(hi, a + size)]);
  return out;
}
