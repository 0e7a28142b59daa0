// How a piece of f32 data travels: as f32 (4 bytes/element) or compressed to IEEE fp16 (2 bytes/element,
// round to nearest even; values beyond 65504 become inf, below ~6e-8 become 0, so scale gradients first).
// Every reduction goes through `reduceFwd`, and owners adopt what they forward, so all ranks end with the
// same bits whatever the codec.

import { f16BitsOfF32Bits, f16Table } from '../ops/f16';
import { addInto } from './reduce';

/** Where encoders get buffers from (comm.ts's BufferPool). */
export interface BufferSource { take(byteLength: number): ArrayBuffer; copyOf(x: ArrayBufferView): ArrayBuffer; give(b: ArrayBuffer): void }

export interface Codec {
  name: 'f32' | 'f16';
  bytesPerElement: number;
  /** A buffer we own holding x (safe to transfer). */
  encode(x: Float32Array, pool: BufferSource): ArrayBuffer;
  /** encode(decode(buf) + x): the buffer to forward (may be buf itself, reused in place). */
  reduceFwd(buf: ArrayBuffer, x: Float32Array, pool: BufferSource): ArrayBuffer;
  /** dst = decode(buf). */
  setFrom(dst: Float32Array, buf: ArrayBuffer): void;
  /** dst += decode(buf). */
  addFrom(dst: Float32Array, buf: ArrayBuffer): void;
}

export const f32Codec: Codec = {
  name: 'f32',
  bytesPerElement: 4,
  encode: (x, pool) => pool.copyOf(x),
  reduceFwd(buf, x) {
    addInto(new Float32Array(buf), x); // the received buffer becomes the sum and is forwarded as is
    return buf;
  },
  setFrom: (dst, buf) => dst.set(new Float32Array(buf)),
  addFrom: (dst, buf) => addInto(dst, new Float32Array(buf)),
};

/** x as fp16 bits (into a buffer from `pool` when given). */
export function toHalf(x: Float32Array, pool?: BufferSource): Uint16Array<ArrayBuffer> {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(pool ? pool.take(x.length * 2) : new ArrayBuffer(x.length * 2));
  for (let i = 0; i < x.length; i++) out[i] = f16BitsOfF32Bits(bits[i]);
  return out;
}

export const f16Codec: Codec = {
  name: 'f16',
  bytesPerElement: 2,
  encode: (x, pool) => toHalf(x, pool).buffer,
  reduceFwd(buf, x, pool) {
    const h = new Uint16Array(buf);
    const t = f16Table();
    const sum = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) sum[i] = t[h[i]] + x[i];
    pool.give(buf);
    return toHalf(sum, pool).buffer;
  },
  setFrom(dst, buf) {
    const h = new Uint16Array(buf);
    const t = f16Table();
    for (let i = 0; i < h.length; i++) dst[i] = t[h[i]];
  },
  addFrom(dst, buf) {
    const h = new Uint16Array(buf);
    const t = f16Table();
    for (let i = 0; i < h.length; i++) dst[i] += t[h[i]];
  },
};

export const codecs = { f32: f32Codec, f16: f16Codec } as const;
