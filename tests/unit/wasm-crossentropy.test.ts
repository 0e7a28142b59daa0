// The WebAssembly SIMD softmax cross-entropy (src/engine/wasm/crossentropy.wat) against its TS twin, on
// vocabularies that leave a tail after the blocks of 4 (the model's V = 83), large logits (the max must be
// subtracted), targets at both ends, and slices padded with sentinels.
// Tolerance: the wasm kernel sums exp(l - max) in f32 (V terms) with a polynomial exp (~2e-7), so lse
// carries an absolute error up to (V + 8) u plus u |lse|. A probability p = exp(l - lse) then has a
// relative error up to (|l| + |lse| + V + 8) u; p - onehot and the product with gradScale are rounded on
// our side (2 u) and the twin's result once (u), so per element
//   |dlogits_wasm - dlogits_twin| <= gradScale (p (|l| + |lse| + V + 8) u + 4 u |p - onehot| + 2^-125)
// (the last term: the wasm exp gives 0 below e^-87 < 2^-125, near the smallest normal f32; the twin keeps
// those tiny values)
// and |loss_wasm - loss_twin| <= (|l_y| + |lse| + V + 8) u. A probability off by 1% is far above both.
import { describe, expect, it } from 'vitest';
import { randn } from './gradcheck-helpers';
import { u, wasmAndTwin } from './wasm-helpers';

describe('wasm cross-entropy vs the TS twin', () => {
  for (const [R, V, std] of [[1, 1, 1], [3, 5, 1], [7, 83, 2], [64, 83, 1], [5, 130, 20]]) {
    it(`R=${R} V=${V} logits N(0, ${std}^2)`, async () => {
      const logits = randn(R * V, R * V, std);
      const targets = Float32Array.from({ length: R }, (_, r) => (r === 0 ? 0 : r === 1 ? V - 1 : (r * 7) % V));
      const gradScale = 1 / (R * 3);
      const res = await wasmAndTwin('crossentropy', { losses: new Float32Array(R).fill(NaN), dlogits: new Float32Array(R * V).fill(NaN), logits, targets },
        (s) => ({ losses: s.losses, dlogits: s.dlogits, logits: s.logits, targets: s.targets, R, V, gradScale }));
      expect(res.wasm.intact, 'wrote outside its slices').toBe(true);
      for (let r = 0; r < R; r++) {
        const y = targets[r], lt = res.twin.out.losses[r];
        const lse = lt + logits[r * V + y];
        expect(Math.abs(res.wasm.out.losses[r] - lt), `loss ${r}`).toBeLessThanOrEqual((Math.abs(logits[r * V + y]) + Math.abs(lse) + V + 8) * u);
        for (let v = 0; v < V; v++) {
          const l = logits[r * V + v], p = Math.exp(l - lse);
          const bound = gradScale * (p * (Math.abs(l) + Math.abs(lse) + V + 8) * u + 4 * u * Math.abs(p - (v === y ? 1 : 0)) + 2 ** -125);
          expect(Math.abs(res.wasm.out.dlogits[r * V + v] - res.twin.out.dlogits[r * V + v]), `dlogits[${r}, ${v}]`).toBeLessThanOrEqual(bound);
        }
      }
      // the bound can see a probability off by 1%
      const r = R - 1, v = (targets[r] + 1) % V, l = logits[r * V + v], lse = res.twin.out.losses[r] + logits[r * V + targets[r]];
      const p = Math.exp(l - lse);
      if (V > 1 && p > 1e-3) expect(gradScale * p * 0.01).toBeGreaterThan(10 * gradScale * (p * (Math.abs(l) + Math.abs(lse) + V + 8) * u + 4 * u * p));
    });
  }

  it('refuses a target outside the vocabulary as the twin does', async () => {
    const args = { losses: new Float32Array(2), dlogits: new Float32Array(6), logits: randn(6, 1), targets: Float32Array.of(1, 3) };
    await expect(wasmAndTwin('crossentropy', args, (s) => ({ losses: s.losses, dlogits: s.dlogits, logits: s.logits, targets: s.targets, R: 2, V: 3, gradScale: 1 })))
      .rejects.toThrow(/target 3 at row 1 is outside \[0, 3\)/);
  });
});
