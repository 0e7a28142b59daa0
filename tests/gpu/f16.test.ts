// FP16 packed accumulation: the stored bits of shaders/f16.wgsl vs the CPU twin (src/engine/ops/f16.ts),
// which must round f32 -> f16 to nearest even exactly as WGSL's pack2x16float. Bits are compared after a
// readback (not a round trip inside one shader, which a compiler could fold away).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { f16BitsToF32, f32ToF16Bits, packF16 } from '../../src/engine/ops/f16';
import { closeBackend, openBackend } from './gpu';
import { both, randn } from './harness';

let device: GPUDevice;
let be: WebGpuBackend;
beforeAll(async () => ({ device, be } = await openBackend()));
afterAll(() => closeBackend(be, device));

const bits = (f: Float32Array) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));
const asF32 = (u: Uint32Array) => new Float32Array(u.buffer, u.byteOffset, u.length);

describe('f32ToF16Bits (CPU) on known values', () => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00],
    [1e9, 0x7c00], [-Infinity, 0xfc00], [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000],
    [3 * 2 ** -26, 0x0001], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [0.1, 0x2e66], [1 / 3, 0x3555],
  ];
  for (const [v, h] of cases) it(`${v} -> 0x${h.toString(16)}`, () => expect(f32ToF16Bits(v)).toBe(h));
  it('NaN stays NaN and round trips of every half are exact', () => {
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaNs
      expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h);
    }
  });
});

describe('f16_accumulate / f16_unpack vs CPU: identical bits', () => {
  // Magnitudes from 1e-8 (f16 subnormals) to 1e5 (overflow to inf), odd n, plus ties and special values.
  for (const n of [1, 2, 63, 1001, 4097]) {
    it(`n=${n}: three accumulations then unpack`, async () => {
      const x0 = randn(n, 1).map((v, i) => v * 10 ** ((i % 14) - 8));
      x0[0] = 1 + 2 ** -11; // a tie: must round to even
      if (n > 5) x0.set([70000, NaN, 5.960464477539063e-8, -65519], 1);
      const acc0 = asF32(packF16(randn(n, 2, 4)));
      let acc = acc0;
      for (const seed of [3, 4, 5]) {
        const x = seed === 3 ? x0 : randn(n, seed);
        const r = await both(be, 'f16_accumulate', { acc, x }, (s) => ({ acc: { ...s.acc, length: Math.ceil(n / 2) }, x: s.x, n }));
        expect(bits(r.gpu.acc)).toEqual(bits(r.cpu.acc));
        acc = r.cpu.acc;
      }
      const u = await both(be, 'f16_unpack', { out: new Float32Array(n), packed: acc }, (s) => ({ out: s.out, packed: s.packed, n }));
      expect(bits(u.gpu.out)).toEqual(bits(u.cpu.out));
      if (n > 5) expect([u.cpu.out[1], Number.isNaN(u.cpu.out[2])]).toEqual([Infinity, true]); // overflow and NaN reach the scaler
    });
  }
});
