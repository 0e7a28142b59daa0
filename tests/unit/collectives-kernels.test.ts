// The reduction kernel (WebAssembly SIMD, streamed through scratch blocks) and the fp16 wire codec.
import { describe, expect, it } from 'vitest';
import { addInto, BufferPool, codecs, reduceKernel, toHalf } from '../../src/engine/collectives';
import { addJs } from '../../src/engine/collectives/reduce';

describe('addInto', () => {
  it('uses WebAssembly SIMD on Node 20', () => {
    expect(reduceKernel()).toBe('wasm-simd');
  });

  it('equals the JS loop bit for bit at sizes around the block and tail edges, on subarrays', () => {
    for (const n of [0, 1, 15, 16, 17, 255, 256, 257, 16383, 16384, 16400, 40_007]) {
      const a = Float32Array.from({ length: n + 3 }, (_, i) => Math.sin(i) * 1e3);
      const b = Float32Array.from({ length: n + 5 }, (_, i) => Math.cos(i * 0.3));
      const dst = a.subarray(3); // unaligned offset into its buffer
      const src = b.subarray(5);
      const want = dst.slice();
      addJs(want, src);
      addInto(dst, src);
      // f32 addition is correctly rounded in both, so any difference is a bug.
      expect(dst).toEqual(want);
      expect(a.subarray(0, 3)).toEqual(Float32Array.from({ length: 3 }, (_, i) => Math.sin(i) * 1e3)); // untouched
    }
  });

  it('rejects a source shorter than the destination', () => {
    expect(() => addInto(new Float32Array(10), new Float32Array(9))).toThrow(/src has 9 elements, dst 10/);
  });
});

describe('fp16 codec', () => {
  it('rounds to nearest even, saturates to inf and flushes tiny values like IEEE binary16', () => {
    const x = Float32Array.of(1, -2, 65504, 65520, 1e-8, 2 ** -24, 1 + 2 ** -11, 1 + 3 * 2 ** -11, NaN, -Infinity);
    const h = Array.from(toHalf(x));
    // 1 + 2^-11 is a tie between 1 and 1+2^-10: even mantissa (1) wins; 1 + 3*2^-11 rounds up to 1 + 2^-9.
    expect(h.slice(0, 8)).toEqual([0x3c00, 0xc000, 0x7bff, 0x7c00, 0, 1, 0x3c00, 0x3c02]);
    expect(h[8] & 0x7c00).toBe(0x7c00);
    expect(h[8] & 0x3ff).not.toBe(0);
    expect(h[9]).toBe(0xfc00);
  });

  it('decodes what it encodes for representable values, and reduces in f32 before re-encoding', () => {
    const x = Float32Array.of(0.5, -3.25, 1024, 2 ** -14);
    const back = new Float32Array(4);
    const pool = new BufferPool();
    codecs.f16.setFrom(back, codecs.f16.encode(x, pool));
    expect(back).toEqual(x);
    const fwd = codecs.f16.reduceFwd(codecs.f16.encode(x, pool), Float32Array.of(0.25, 0.25, 1, 0), pool);
    codecs.f16.setFrom(back, fwd);
    expect(Array.from(back)).toEqual([0.75, -3, 1025, 2 ** -14]);
  });
});
