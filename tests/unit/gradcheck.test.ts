// Every differentiable CPU op's backward against central finite differences of its f32 forward, on tiny
// ragged shapes (sizes not multiples of the matmul tile, T not a power of two, one head and several).
// Tolerance 2e-3 norm-relative: see numericGrad for the error budget (~1e-4 for a correct backward);
// a wrong formula or a missing term is off by far more than that.
import { describe, expect, it } from 'vitest';
import { matmul } from '../../src/engine/ops/matmul';
import { layerNormBackward, layerNormForward } from '../../src/engine/ops/layernorm';
import { geluBackward, geluForward } from '../../src/engine/ops/gelu';
import { attentionBackward, attentionForward } from '../../src/engine/ops/attention';
import { embeddingBackward, embeddingForward } from '../../src/engine/ops/embedding';
import { crossEntropy } from '../../src/engine/ops/crossentropy';
import { sumRows } from '../../src/engine/ops/reduce';
import { dot, numericGrad, randn, relErr } from './gradcheck-helpers';

const TOL = 2e-3;

describe('finite-difference gradient checks', () => {
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`matmul transA=${transA} transB=${transB} with bias: da, db, dbias`, () => {
      const M = 5, N = 3, K = 7;
      const a = randn(M * K, 1), b = randn(K * N, 2), bias = randn(N, 3), r = randn(M * N, 4);
      const out = new Float32Array(M * N);
      const loss = () => (matmul(out, a, b, bias, M, N, K, transA, transB, false), dot(r, out));
      // dA = r @ op(b)^T laid out as a is stored; dB = op(a)^T @ r laid out as b is stored
      const da = new Float32Array(M * K), db = new Float32Array(K * N);
      if (!transA) matmul(da, r, b, undefined, M, K, N, false, !transB, false);
      else matmul(da, b, r, undefined, K, M, N, transB, true, false);
      if (!transB) matmul(db, a, r, undefined, K, N, M, !transA, false, false);
      else matmul(db, r, a, undefined, N, K, M, true, transA, false);
      const dbias = new Float32Array(N);
      sumRows(dbias, r, M, N);
      expect(relErr(da, numericGrad(a, loss))).toBeLessThan(TOL);
      expect(relErr(db, numericGrad(b, loss))).toBeLessThan(TOL);
      expect(relErr(dbias, numericGrad(bias, loss))).toBeLessThan(TOL);
    });
  }

  it('layernorm: dx, dw, db (R=3, C=5)', () => {
    const R = 3, C = 5;
    const x = randn(R * C, 5, 2), w = randn(C, 6), b = randn(C, 7), r = randn(R * C, 8);
    const out = new Float32Array(R * C), mean = new Float32Array(R), rstd = new Float32Array(R);
    const loss = () => (layerNormForward(out, mean, rstd, x, w, b, R, C, 1e-5), dot(r, out));
    loss();
    const dx = new Float32Array(R * C), dw = new Float32Array(C), db = new Float32Array(C);
    layerNormBackward(dx, dw, db, r, x, w, mean, rstd, R, C);
    expect(relErr(dx, numericGrad(x, loss))).toBeLessThan(TOL);
    expect(relErr(dw, numericGrad(w, loss))).toBeLessThan(TOL);
    expect(relErr(db, numericGrad(b, loss))).toBeLessThan(TOL);
  });

  it('gelu: dx over [-4, 4]', () => {
    const n = 41;
    const x = Float32Array.from({ length: n }, (_, i) => -4 + (8 * i) / (n - 1) + 0.013);
    const r = randn(n, 9), out = new Float32Array(n);
    const loss = () => (geluForward(out, x, n), dot(r, out));
    const dx = new Float32Array(n);
    geluBackward(dx, r, x, n);
    expect(relErr(dx, numericGrad(x, loss))).toBeLessThan(TOL);
  });

  for (const [B, T, C, H] of [[2, 5, 6, 2], [1, 3, 4, 1], [1, 4, 9, 3]] as const) {
    it(`attention: dqkv (B=${B} T=${T} C=${C} H=${H})`, () => {
      const qkv = randn(B * T * 3 * C, 10 + T), r = randn(B * T * C, 20 + T);
      const out = new Float32Array(B * T * C), lse = new Float32Array(B * H * T);
      const loss = () => (attentionForward(out, lse, qkv, B, T, C, H), dot(r, out));
      loss();
      const dqkv = new Float32Array(B * T * 3 * C).fill(123); // overwritten, not accumulated
      attentionBackward(dqkv, r, qkv, out, lse, B, T, C, H);
      expect(relErr(dqkv, numericGrad(qkv, loss))).toBeLessThan(TOL);
    });
  }

  it('embedding: dwte, dwpe with repeated ids', () => {
    const B = 2, T = 3, C = 4, V = 5;
    const ids = Float32Array.from([1, 4, 1, 0, 1, 3]);
    const wte = randn(V * C, 30), wpe = randn(T * C, 31), r = randn(B * T * C, 32);
    const out = new Float32Array(B * T * C);
    const loss = () => (embeddingForward(out, ids, wte, wpe, B, T, C), dot(r, out));
    const dwte = new Float32Array(V * C), dwpe = new Float32Array(T * C);
    embeddingBackward(dwte, dwpe, r, ids, B, T, C, V);
    expect(relErr(dwte, numericGrad(wte, loss))).toBeLessThan(TOL);
    expect(relErr(dwpe, numericGrad(wpe, loss))).toBeLessThan(TOL);
  });

  it('cross-entropy: dlogits = d(sum of losses * gradScale)', () => {
    const R = 4, V = 7, gs = 0.37;
    const logits = randn(R * V, 40, 3), targets = Float32Array.from([0, 6, 3, 3]);
    const losses = new Float32Array(R), dl = new Float32Array(R * V);
    const loss = () => (crossEntropy(losses, dl, logits, targets, R, V, gs), gs * dot(new Float64Array(R).fill(1), losses));
    loss();
    const want = dl.slice();
    expect(relErr(want, numericGrad(logits, loss))).toBeLessThan(TOL);
  });
});
