// attention_fwd (row and tiled variants) and attention_bwd vs the CPU twin, several B/T/C/H including
// T not a multiple of the 32-row tile and head sizes that are not powers of two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { attentionFwdPlan } from '../../src/engine/backend/webgpu/plans-nn';
import { closeBackend, openBackend } from './gpu';
import { both, randn, worst } from './harness';

let device: GPUDevice;
let be: WebGpuBackend;
beforeAll(async () => ({ device, be } = await openBackend()));
afterAll(() => closeBackend(be, device));

const shapes = [
  { B: 1, T: 1, C: 8, H: 2 },
  { B: 2, T: 17, C: 24, H: 3 },  // hs = 8, ragged T
  { B: 1, T: 70, C: 40, H: 2 },  // hs = 20, T crosses two 32-row tiles
  { B: 2, T: 64, C: 64, H: 4 },  // aligned
  { B: 1, T: 33, C: 96, H: 1 },  // hs = 96: row kernel only (tiled holds <= 64)
  { B: 2, T: 9, C: 15, H: 3 },   // hs = 5: scalar kernels only (vec4 needs multiples of 4)
];
// vec4 kernels (attention_v4.wgsl) need 4-aligned offsets: pad 36; pad 37 forces the scalar ones.
const layouts = [{ vec4: false, pad: 37 }, { vec4: true, pad: 36 }];

// Scores of O(1) inputs; the GPU's online softmax rescales in a different order than the CPU's f64
// two-pass softmax, so outputs agree to ~1e-6 and lse to a few f32 ulps of its magnitude.
const TOL = { atol: 2e-5, rtol: 1e-4 };

describe('attention vs CPU', () => {
  for (const variant of ['row', 'tiled'] as const) {
    for (const s of shapes) for (const { vec4, pad } of layouts) {
      it(`forward ${variant}${vec4 ? ' vec4' : ''} B=${s.B} T=${s.T} C=${s.C} H=${s.H}`, async () => {
        be.setVariants({ attention: variant, vec4 });
        const { B, T, C, H } = s;
        const arrays = { out: randn(B * T * C, 1), lse: randn(B * H * T, 2), qkv: randn(B * T * 3 * C, 3) };
        const r = await both(be, 'attention_fwd', arrays, (x) => ({ out: x.out, lse: x.lse, qkv: x.qkv, B, T, C, H }), false, pad);
        expect(worst(r.gpu.out, r.cpu.out, TOL.atol, TOL.rtol).ratio).toBeLessThanOrEqual(1);
        expect(worst(r.gpu.lse, r.cpu.lse, TOL.atol, TOL.rtol).ratio).toBeLessThanOrEqual(1);
      });
    }
  }

  for (const s of shapes) {
    for (const [arena, { vec4, pad }] of [[false, layouts[0]], [true, layouts[0]], [false, layouts[1]]] as const) {
      it(`backward${vec4 ? ' vec4' : ''} B=${s.B} T=${s.T} C=${s.C} H=${s.H}${arena ? ' (all tensors in one buffer)' : ''}`, async () => {
        be.setVariants({ attention: 'row', vec4 });
        const { B, T, C, H } = s;
        // out and lse must be the forward's (the backward trusts them): compute them on the CPU twin first.
        const fwd = await both(be, 'attention_fwd', { out: new Float32Array(B * T * C), lse: new Float32Array(B * H * T), qkv: randn(B * T * 3 * C, 3) }, (x) => ({ out: x.out, lse: x.lse, qkv: x.qkv, B, T, C, H }));
        const arrays = { dqkv: randn(B * T * 3 * C, 7), dout: randn(B * T * C, 8), qkv: randn(B * T * 3 * C, 3), out: fwd.cpu.out, lse: fwd.cpu.lse };
        const r = await both(be, 'attention_bwd', arrays, (x) => ({ dqkv: x.dqkv, dout: x.dout, qkv: x.qkv, out: x.out, lse: x.lse, B, T, C, H }), arena, pad);
        // Gradients sum T terms of O(1): scale the absolute tolerance with T.
        expect(worst(r.gpu.dqkv, r.cpu.dqkv, 2e-6 * T + 1e-5, 1e-4).ratio).toBeLessThanOrEqual(1);
      });
    }
  }

  it('rejects a head size above what the kernels hold, naming the limit', () => {
    const buf = be.alloc(3 * 256, 'qkv');
    const w = { buf, offset: 0, length: 256 };
    expect(() => be.dispatch('attention_fwd', { out: w, lse: { buf, offset: 0, length: 1 }, qkv: { buf, offset: 0, length: 768 }, B: 1, T: 1, C: 256, H: 1 })).toThrow(/head size 256 exceeds the 128/);
    be.free(buf);
  });
});

describe('kernel selection', () => {
  it('takes attention_v4.wgsl exactly when the head size and every offset are multiples of 4', () => {
    const buf = { id: 1, length: 1 << 20, label: 'x' };
    const ctx = { scratch: () => ({ buf, offset: 0, length: 1 }), dummy: { buf, offset: 0, length: 4 }, matmul: 'rb' as const, attention: 'row' as const, vec4: true, nativeF16: false };
    const plan = (C: number, H: number, off: number) => attentionFwdPlan({ out: { buf, offset: off, length: 4096 }, lse: { buf, offset: 1, length: 64 }, qkv: { buf, offset: 0, length: 12288 }, B: 1, T: 8, C, H }, ctx)[0].shader;
    expect(plan(32, 2, 0)).toBe('attention_v4');
    expect(plan(32, 2, 2)).toBe('attention'); // out offset not a multiple of 4 (lse is scalar: any offset)
    expect(plan(30, 2, 0)).toBe('attention'); // hs = 15
    expect(attentionFwdPlan({ out: { buf, offset: 0, length: 4096 }, lse: { buf, offset: 0, length: 64 }, qkv: { buf, offset: 0, length: 12288 }, B: 1, T: 8, C: 32, H: 2 }, { ...ctx, vec4: false })[0].shader).toBe('attention');
  });
});
