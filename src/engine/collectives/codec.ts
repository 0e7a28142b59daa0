// How a piece of f32 data travels: as f32 (4 bytes/element) or compressed to IEEE fp16 (2 bytes/element,
// round to nearest even; values beyond 65504 become inf, below ~6e-8 become 0, so scale gradients first).
// Every reduction goes through `reduceFwd`, and owners adopt what they forward, so all ranks end with the
// same bits whatever the codec.

import { addInto } from './reduce';

/** Where encoders get buffers from (comm.ts's BufferPool). */
export interface BufferSource { take(byteLength: number): ArrayBuffer; give(b: ArrayBuffer): void }

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
  encode(x, pool) {
    const b = pool.take(x.byteLength);
    new Float32Array(b).set(x);
    return b;
  },
  reduceFwd(buf, x) {
    addInto(new Float32Array(buf), x); // the received buffer becomes the sum and is forwarded as is
    return buf;
  },
  setFrom: (dst, buf) => dst.set(new Float32Array(buf)),
  addFrom: (dst, buf) => addInto(dst, new Float32Array(buf)),
};

let halfToFloat: Float32Array | null = null;

/** Lookup table of all 65536 fp16 bit patterns as f32 (256 KB, built once). */
function table(): Float32Array {
  if (halfToFloat) return halfToFloat;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (halfToFloat = t);
}

/** fp16 bits of the f32 with bits x, round to nearest even. */
function toHalfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  let m = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    m |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is still correct
  return sign | h;
}

/** x as fp16 bits (into a buffer from `pool` when given). */
export function toHalf(x: Float32Array, pool?: BufferSource): Uint16Array<ArrayBuffer> {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(pool ? pool.take(x.length * 2) : new ArrayBuffer(x.length * 2));
  for (let i = 0; i < x.length; i++) out[i] = toHalfBits(bits[i]);
  return out;
}

export const f16Codec: Codec = {
  name: 'f16',
  bytesPerElement: 2,
  encode: (x, pool) => toHalf(x, pool).buffer,
  reduceFwd(buf, x, pool) {
    const h = new Uint16Array(buf);
    const t = table();
    const sum = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) sum[i] = t[h[i]] + x[i];
    pool.give(buf);
    return toHalf(sum, pool).buffer;
  },
  setFrom(dst, buf) {
    const h = new Uint16Array(buf);
    const t = table();
    for (let i = 0; i < h.length; i++) dst[i] = t[h[i]];
  },
  addFrom(dst, buf) {
    const h = new Uint16Array(buf);
    const t = table();
    for (let i = 0; i < h.length; i++) dst[i] += t[h[i]];
  },
};

export const codecs = { f32: f32Codec, f16: f16Codec } as const;
