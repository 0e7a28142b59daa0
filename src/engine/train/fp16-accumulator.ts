// Packed fp16 gradient storage: two halves per 32-bit word, rounded to nearest even on both backends
// (shaders/f16.wgsl and its CPU twin src/engine/ops/f16.ts). The replica uses roundInPlace to store the
// running gradient sum as fp16 after each micro-batch; reset/add/unpackTo accumulate micro-batch
// gradients into the packed words directly (tests/gpu/train.test.ts trains that way).
// Cost per call: read 4n + 2n, write 2n bytes (f16_accumulate) plus zeroing; the packed buffer is 2n
// bytes for n gradient elements.
import type { Backend, Buffer, Slice } from '../backend/types';
import { sub, whole } from '../backend/types';

export class Fp16Accumulator {
  readonly packed: Buffer;

  constructor(private readonly be: Backend, readonly n: number) {
    this.packed = be.alloc(Math.ceil(n / 2), 'grads.f16');
  }

  /** acc = 0 (all-zero words are two +0 halves). */
  reset(): void {
    this.be.dispatch('fill', { out: whole(this.packed), value: 0, n: this.packed.length });
  }

  /** acc += grads, rounded to f16 (an overflow becomes inf, which the scaler's nonfinite check sees). */
  add(grads: Slice): void {
    this.be.dispatch('f16_accumulate', { acc: whole(this.packed), x: grads, n: this.n });
  }

  /** grads = f32(acc). */
  unpackTo(grads: Slice): void {
    this.be.dispatch('f16_unpack', { out: grads, packed: whole(this.packed), n: this.n });
  }

  /** x = f16(x) in place, through the accumulator's storage (x.length <= n): what storing x as fp16 does
   *  (overflow -> inf, tiny values -> subnormals or 0). Three dispatches on the device, no readback. */
  roundInPlace(x: Slice): void {
    const words = sub(whole(this.packed), 0, Math.ceil(x.length / 2));
    this.be.dispatch('fill', { out: words, value: 0, n: words.length });
    this.be.dispatch('f16_accumulate', { acc: words, x, n: x.length });
    this.be.dispatch('f16_unpack', { out: x, packed: words, n: x.length });
  }

  destroy(): void {
    this.be.free(this.packed);
  }
}
