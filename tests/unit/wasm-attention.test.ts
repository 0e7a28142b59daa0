// The WebAssembly SIMD attention (src/engine/wasm/attention.wat) against its TS twin, forward and backward,
// on T not a multiple of the 4-key block, head sizes not multiples of 4 (hs = 3, 5) and the model's
// (hs = 16), and scores large enough that most probabilities underflow; slices padded with sentinels.
// Tolerance: the twin works in f64, the wasm kernel in f32 with a polynomial exp (relative error ~1e-7).
// A score carries at most gamma(hs) * A of rounding (A = scale * sum_d |q_d k_d|, the largest here ~30
// for the scaled case), which is also the relative error it gives a probability; sums over <= T keys add
// gamma(T). So per tensor, ||wasm - twin|| / ||twin|| <= (T + (hs + 2) A + 8) u (1e-5 at the model's
// shape, 1e-4 with the large scores); the backward's dp - D may cancel, so its parts get 4x that. Measured
// errors are 1e-7..2e-6, far inside. One element of k off by 1e-2 moves the forward's output by 1.6e-4,
// over 10x the bound (checked below), so a wrong index or mask cannot hide under it.
import { describe, expect, it } from 'vitest';
import { randn, relErr } from './gradcheck-helpers';
import { u, wasmAndTwin } from './wasm-helpers';

interface Shape { B: number; T: number; C: number; H: number; std: number }
const shapes: Shape[] = [
  { B: 1, T: 1, C: 4, H: 1, std: 1 },
  { B: 2, T: 7, C: 12, H: 4, std: 1 }, // hs = 3
  { B: 3, T: 13, C: 20, H: 4, std: 1 }, // hs = 5
  { B: 2, T: 64, C: 64, H: 4, std: 1 }, // the default model's shape, hs = 16
  { B: 1, T: 30, C: 32, H: 2, std: 4 }, // large scores: most probabilities underflow
];

/** The largest scale * sum_d |q_d k_d| over every (b, h, t, j). */
function scoreScale(qkv: Float32Array, { B, T, C, H }: Shape): number {
  const hs = C / H;
  let A = 0;
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) for (let j = 0; j <= t; j++) {
    let s = 0;
    for (let d = 0; d < hs; d++) s += Math.abs(qkv[(b * T + t) * 3 * C + h * hs + d] * qkv[(b * T + j) * 3 * C + C + h * hs + d]);
    A = Math.max(A, s / Math.sqrt(hs));
  }
  return A;
}

describe('wasm attention vs the TS twin', () => {
  for (const sh of shapes) {
    const { B, T, C, H } = sh;
    it(`B=${B} T=${T} C=${C} H=${H} inputs N(0, ${sh.std}^2): forward and backward`, async () => {
      const qkv = randn(B * T * 3 * C, T + C, sh.std), dout = randn(B * T * C, 11);
      const bound = (T + (C / H + 2) * scoreScale(qkv, sh) + 8) * u;
      const fwd = await wasmAndTwin('attention_fwd', { out: new Float32Array(B * T * C).fill(NaN), lse: new Float32Array(B * H * T).fill(NaN), qkv },
        (s) => ({ out: s.out, lse: s.lse, qkv: s.qkv, B, T, C, H }));
      expect(fwd.wasm.intact, 'forward wrote outside its slices').toBe(true);
      expect(relErr(fwd.wasm.out.out, fwd.twin.out.out)).toBeLessThan(bound);
      expect(relErr(fwd.wasm.out.lse, fwd.twin.out.lse)).toBeLessThan(bound);
      const out = fwd.twin.out.out, lse = fwd.twin.out.lse;
      const bwd = await wasmAndTwin('attention_bwd', { dqkv: new Float32Array(B * T * 3 * C).fill(NaN), dout, qkv, out, lse },
        (s) => ({ dqkv: s.dqkv, dout: s.dout, qkv: s.qkv, out: s.out, lse: s.lse, B, T, C, H }));
      expect(bwd.wasm.intact, 'backward wrote outside its slices').toBe(true);
      // q, k and v parts each against the twin (a part's norm could hide in the others')
      for (const part of [0, 1, 2]) {
        const pick = (x: Float32Array) => Float32Array.from({ length: B * T * C }, (_, i) => x[Math.floor(i / C) * 3 * C + part * C + (i % C)]);
        expect(relErr(pick(bwd.wasm.out.dqkv), pick(bwd.twin.out.dqkv)), `part ${part}`).toBeLessThan(4 * bound);
      }
    });
  }

  it('the bound is tight: one element of k off by 1e-2 moves the output far past it', async () => {
    const sh = shapes[3], { B, T, C, H } = sh;
    const qkv = randn(B * T * 3 * C, 5);
    const bad = qkv.slice();
    bad[3 * C + C + 2] += 1e-2; // b 0, t 1, head 0 of k
    const args = (s: Record<string, import('../../src/engine/backend/types').Slice>) => ({ out: s.out, lse: s.lse, qkv: s.qkv, B, T, C, H });
    const good = await wasmAndTwin('attention_fwd', { out: new Float32Array(B * T * C), lse: new Float32Array(B * H * T), qkv }, args);
    const moved = await wasmAndTwin('attention_fwd', { out: new Float32Array(B * T * C), lse: new Float32Array(B * H * T), qkv: bad }, args);
    const bound = (T + (C / H + 2) * scoreScale(qkv, sh) + 8) * u;
    expect(relErr(moved.twin.out.out, good.twin.out.out)).toBeGreaterThan(10 * bound);
  });
});
