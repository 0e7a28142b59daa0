// IEEE binary16 in software: the CPU twin of shaders/f16.wgsl (FP16 gradient accumulation).
// n = element count; packed storage holds two f16 per 32-bit word, element 2w in the low half of word w.
// Rounding is to nearest, ties to even, as WGSL's pack2x16float, so stored bits match the GPU exactly.
// Packed words live in Float32Array buffers (every buffer is f32); they are always read and written
// through a Uint32Array view, because moving NaN-patterned words through JS numbers may change them.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** f16 bits of the f32 whose bit pattern is x (round to nearest even; |v| >= 65520 gives +-inf; NaN
 *  gives a quiet NaN). Integer-only, so hot loops over a Uint32Array view avoid a float round trip. */
export function f16BitsOfF32Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const a = x & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00;
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a >= 0x38800000) {
    // Normal half: rebias the exponent (127 -> 15) and round the 23-bit mantissa to 10 bits.
    let h = (((a >>> 23) - 112) << 10) | ((a & 0x7fffff) >>> 13);
    const rest = a & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // a carry into the exponent is still right
    return sign | h;
  }
  // Subnormal half (or zero), in units of 2^-24: shift the full 24-bit significand into place.
  const e = a >>> 23;
  if (e < 102) return sign; // below 2^-25: rounds to zero
  const m = (a & 0x7fffff) | 0x800000;
  const shift = 126 - e; // 14..24
  let h = m >>> shift;
  const rest = m & ((1 << shift) - 1), mid = 1 << (shift - 1);
  if (rest > mid || (rest === mid && (h & 1))) h++;
  return sign | h;
}

/** f16 bits of the f32 value v (see f16BitsOfF32Bits). */
export function f32ToF16Bits(v: number): number {
  f32[0] = v;
  return f16BitsOfF32Bits(u32[0]);
}

/** The f32 value of f16 bits h (exact). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

let halfTable: Float32Array | null = null;

/** All 65536 f16 bit patterns as f32 (256 KB, built on first use): decoding by lookup in hot loops. */
export function f16Table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = f16BitsToF32(h);
  }
  return halfTable;
}

/** Round every element to the nearest f16 value, in place (overflow to inf, tiny values to subnormals or 0). */
export function roundToF16(x: Float32Array): Float32Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const t = f16Table();
  for (let i = 0; i < x.length; i++) x[i] = t[f16BitsOfF32Bits(bits[i])];
  return x;
}

/** The packed words of a Float32Array buffer, as u32 (same memory). */
export function words(buf: Float32Array): Uint32Array {
  return new Uint32Array(buf.buffer, buf.byteOffset, buf.length);
}

/** acc[e] = f16(f32(acc[e]) + x[e]) for e < n; acc is ceil(n/2) packed words (see shaders/f16.wgsl). */
export function f16Accumulate(acc: Uint32Array, x: Float32Array, n: number): void {
  for (let e = 0; e < n; e++) {
    const w = e >>> 1;
    const shift = (e & 1) * 16;
    const old = f16BitsToF32((acc[w] >>> shift) & 0xffff);
    const h = f32ToF16Bits(Math.fround(old + x[e]));
    acc[w] = shift ? ((acc[w] & 0xffff) | (h << 16)) >>> 0 : ((acc[w] & 0xffff0000) | h) >>> 0;
  }
}

/** out[e] = f32 of the e-th packed f16, for e < n. */
export function f16Unpack(out: Float32Array, packed: Uint32Array, n: number): void {
  for (let e = 0; e < n; e++) out[e] = f16BitsToF32((packed[e >>> 1] >>> ((e & 1) * 16)) & 0xffff);
}

/** Pack n f32 values (rounded) into ceil(n/2) words: for tests and for sending gradients as f16. */
export function packF16(x: Float32Array, n = x.length): Uint32Array {
  const out = new Uint32Array((n + 1) >>> 1);
  for (let e = 0; e < n; e++) out[e >>> 1] |= f32ToF16Bits(x[e]) << ((e & 1) * 16);
  return out;
}
