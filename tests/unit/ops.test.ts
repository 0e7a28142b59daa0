// Forward values of the CPU ops against direct f64 formulas, and the overwrite / (+=) contract of
// types.ts. Gradients are checked by finite differences in gradcheck.test.ts.
import { describe, expect, it } from 'vitest';
import { erf, geluForward } from '../../src/engine/ops/gelu';
import { layerNormBackward, layerNormForward } from '../../src/engine/ops/layernorm';
import { attentionForward } from '../../src/engine/ops/attention';
import { crossEntropy } from '../../src/engine/ops/crossentropy';
import { embeddingForward } from '../../src/engine/ops/embedding';
import { nonfinite, sumRows, sumsq } from '../../src/engine/ops/reduce';
import { adamw, ema, sgd } from '../../src/engine/ops/optim';
import { add, addInPlaceN, fill, scale } from '../../src/engine/ops/elementwise';
import { randn, relErr } from './gradcheck-helpers';

/** erf by the everywhere-positive series erf(x) = 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x / (1*3*...*(2n+1)),
 *  summed in f64 until the terms vanish: no cancellation, so accurate to ~1e-15 on [-6, 6]; and a different
 *  series from the implementation's, so the two do not share a mistake. */
function erfRef(x: number): number {
  let term = x, sum = x;
  for (let n = 0; n < 400 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 3);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

describe('erf and GELU', () => {
  it('the reference series reproduces known values', () => {
    expect(erfRef(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erfRef(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erfRef(2)).toBeCloseTo(0.9953222650189527, 14);
  });

  it('erf is within 3e-8 absolute of the series on [-6, 6] (documented bound ~2e-8) and odd', () => {
    let worst = 0;
    for (let i = -6000; i <= 6000; i++) {
      const x = i / 1000 + 1e-4; // off the grid of round numbers
      worst = Math.max(worst, Math.abs(erf(x) - erfRef(x)));
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(worst).toBeLessThan(3e-8);
    expect(erf(0)).toBe(0);
    expect(erf(40)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
  });

  it('erf has small relative error near 0 (the Maclaurin branch), where GELU needs it', () => {
    for (const x of [1e-8, 1e-4, 0.01, 0.3, 0.99]) expect(Math.abs(erf(x) / erfRef(x) - 1)).toBeLessThan(1e-12);
  });

  it('gelu = 0.5 x (1 + erf(x / sqrt 2)) to f32 rounding', () => {
    const x = Float32Array.from([-5, -1.5, -0.1, 0, 0.1, 0.7, 3, 8]);
    const out = new Float32Array(x.length);
    geluForward(out, x, x.length);
    const want = Array.from(x, (v) => 0.5 * v * (1 + erfRef(v / Math.SQRT2)));
    for (let i = 0; i < x.length; i++) expect(Math.abs(out[i] - want[i])).toBeLessThan(1e-7 * Math.max(1, Math.abs(want[i])));
  });
});

describe('layernorm', () => {
  it('forward matches the f64 formula with eps from args, writing mean and rstd', () => {
    const R = 3, C = 7, eps = 1e-3;
    const x = randn(R * C, 1, 3), w = randn(C, 2), b = randn(C, 3);
    const out = new Float32Array(R * C), mean = new Float32Array(R), rstd = new Float32Array(R);
    layerNormForward(out, mean, rstd, x, w, b, R, C, eps);
    for (let r = 0; r < R; r++) {
      const row = Array.from(x.subarray(r * C, (r + 1) * C));
      const m = row.reduce((s, v) => s + v, 0) / C;
      const rs = 1 / Math.sqrt(row.reduce((s, v) => s + (v - m) ** 2, 0) / C + eps);
      expect(mean[r]).toBeCloseTo(m, 6);
      expect(rstd[r] / rs).toBeCloseTo(1, 6);
      for (let c = 0; c < C; c++) expect(out[r * C + c]).toBeCloseTo((row[c] - m) * rs * w[c] + b[c], 5);
    }
  });

  it('backward accumulates into dx, dw and db', () => {
    const R = 2, C = 4;
    const x = randn(R * C, 4), w = randn(C, 5), b = randn(C, 6), dout = randn(R * C, 7);
    const out = new Float32Array(R * C), mean = new Float32Array(R), rstd = new Float32Array(R);
    layerNormForward(out, mean, rstd, x, w, b, R, C, 1e-5);
    const once = [new Float32Array(R * C), new Float32Array(C), new Float32Array(C)] as const;
    const twice = [new Float32Array(R * C), new Float32Array(C), new Float32Array(C)] as const;
    layerNormBackward(...once, dout, x, w, mean, rstd, R, C);
    for (let k = 0; k < 2; k++) layerNormBackward(...twice, dout, x, w, mean, rstd, R, C);
    for (let i = 0; i < 3; i++) expect(relErr(twice[i], once[i].map((v) => 2 * v))).toBeLessThan(1e-6);
  });
});

describe('attention forward', () => {
  it('matches a full T x T softmax in f64, saves lse, and is causal', () => {
    const B = 2, T = 5, C = 6, H = 3, hs = C / H;
    const qkv = randn(B * T * 3 * C, 11, 2);
    const out = new Float32Array(B * T * C), lse = new Float32Array(B * H * T);
    attentionForward(out, lse, qkv, B, T, C, H);
    const at = (b: number, t: number, part: number, h: number, d: number) => qkv[(b * T + t) * 3 * C + part * C + h * hs + d];
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let t = 0; t < T; t++) {
          const s = Array.from({ length: t + 1 }, (_, j) => {
            let d = 0;
            for (let k = 0; k < hs; k++) d += at(b, t, 0, h, k) * at(b, j, 1, h, k);
            return d / Math.sqrt(hs);
          });
          const l = Math.log(s.reduce((acc, v) => acc + Math.exp(v), 0));
          expect(lse[(b * H + h) * T + t]).toBeCloseTo(l, 5);
          for (let k = 0; k < hs; k++) {
            const y = s.reduce((acc, v, j) => acc + Math.exp(v - l) * at(b, j, 2, h, k), 0);
            expect(out[(b * T + t) * C + h * hs + k]).toBeCloseTo(y, 5);
          }
        }
      }
    }
    // changing the last time step's q, k, v leaves every earlier output unchanged
    const qkv2 = qkv.slice();
    for (let i = 0; i < 3 * C; i++) qkv2[(T - 1) * 3 * C + i] += 1;
    const out2 = new Float32Array(B * T * C);
    attentionForward(out2, new Float32Array(B * H * T), qkv2, B, T, C, H);
    expect(Array.from(out2.subarray(0, (T - 1) * C))).toEqual(Array.from(out.subarray(0, (T - 1) * C)));
    expect(() => attentionForward(out, lse, qkv, B, T, 7, 3)).toThrow(/not divisible/);
  });
});

describe('cross-entropy', () => {
  it('gives -log softmax[target], stays finite for huge logits, and scales dlogits', () => {
    const logits = Float32Array.from([1, 2, 3, 1e4, -1e4, 0]);
    const losses = new Float32Array(2), dl = new Float32Array(6);
    crossEntropy(losses, dl, logits, Float32Array.from([2, 1]), 2, 3, 0.5);
    expect(losses[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3, 6);
    expect(losses[1]).toBeCloseTo(2e4, 0);
    expect(dl[3]).toBeCloseTo(0.5, 6); // softmax ~ onehot(0), target 1: (1 - 0) * 0.5
    expect(dl[4]).toBeCloseTo(-0.5, 6);
    expect(() => crossEntropy(losses, dl, logits, Float32Array.from([3, 0]), 2, 3, 1)).toThrow(/target 3 at row 0/);
  });
});

describe('embedding, reductions, elementwise', () => {
  it('embedding rejects ids outside the vocabulary', () => {
    const wte = new Float32Array(3 * 2), wpe = new Float32Array(2 * 2), out = new Float32Array(4);
    expect(() => embeddingForward(out, Float32Array.from([0, 3]), wte, wpe, 1, 2, 2)).toThrow(/token id 3 at position 1/);
    expect(() => embeddingForward(out, Float32Array.from([0.5, 1]), wte, wpe, 1, 2, 2)).toThrow(/token id 0.5/);
  });

  it('sumsq, nonfinite and sum_rows', () => {
    const out = new Float32Array(1);
    sumsq(out, Float32Array.from([1, -2, 3, 99]), 3);
    expect(out[0]).toBe(14);
    for (const [v, want] of [[1, 0], [Infinity, 1], [-Infinity, 1], [NaN, 1]] as const) {
      nonfinite(out, Float32Array.from([0, 2, v]), 3);
      expect(out[0]).toBe(want);
    }
    nonfinite(out, Float32Array.from([0, NaN]), 1); // only the first n count
    expect(out[0]).toBe(0);
    const acc = Float32Array.from([10, 20]);
    sumRows(acc, Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2);
    expect(Array.from(acc)).toEqual([19, 32]);
  });

  it('add, add_inplace, scale and fill touch only the first n elements', () => {
    const a = Float32Array.from([1, 2, 3]), b = Float32Array.from([10, 20, 30]), out = new Float32Array(3).fill(-1);
    add(out, a, b, 2);
    expect(Array.from(out)).toEqual([11, 22, -1]);
    addInPlaceN(a, b, 3);
    expect(Array.from(a)).toEqual([11, 22, 33]);
    scale(a, 0.5, 2);
    expect(Array.from(a)).toEqual([5.5, 11, 33]);
    fill(a, 7, 1);
    expect(Array.from(a)).toEqual([7, 11, 33]);
    expect(() => add(out, a, new Float32Array(1), 2)).toThrow(/needs 2/);
  });
});

describe('optimizer kernels', () => {
  it('adamw follows the documented update (two steps, with bias correction)', () => {
    const p = Float32Array.from([0.5, -1]), g = Float32Array.from([0.1, -3]), m = new Float32Array(2), v = new Float32Array(2);
    const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.95, 1e-8, 0.1];
    const P = Array.from(p), Mm = [0, 0], Vv = [0, 0];
    for (let t = 1; t <= 2; t++) {
      adamw(p, g, m, v, 2, lr, b1, b2, eps, wd, 1 - b1 ** t, 1 - b2 ** t);
      for (let i = 0; i < 2; i++) {
        Mm[i] = b1 * Mm[i] + (1 - b1) * g[i];
        Vv[i] = b2 * Vv[i] + (1 - b2) * g[i] ** 2;
        P[i] -= lr * (wd * P[i] + Mm[i] / (1 - b1 ** t) / (Math.sqrt(Vv[i] / (1 - b2 ** t)) + eps));
      }
    }
    for (let i = 0; i < 2; i++) expect(p[i]).toBeCloseTo(P[i], 6);
  });

  it('sgd: plain, momentum with the first-step rule, and weight decay; ema', () => {
    const p = Float32Array.from([1]), g = Float32Array.from([2]), buf = Float32Array.from([100]);
    sgd(p, g, buf, 1, 0.1, 0, 0, false);
    expect(p[0]).toBeCloseTo(0.8, 6);
    expect(buf[0]).toBe(100); // ignored without momentum
    sgd(p, g, buf, 1, 0.1, 0.9, 0.5, true); // g' = 2 + 0.4 = 2.4, buf = g'
    expect(buf[0]).toBeCloseTo(2.4, 6);
    expect(p[0]).toBeCloseTo(0.56, 6);
    sgd(p, g, buf, 1, 0.1, 0.9, 0, false); // buf = 0.9 * 2.4 + 2
    expect(buf[0]).toBeCloseTo(4.16, 5);
    expect(p[0]).toBeCloseTo(0.144, 5);
    const e = Float32Array.from([1]);
    ema(e, Float32Array.from([3]), 1, 0.75);
    expect(e[0]).toBe(1.5);
  });
});
