// initParams: nanoGPT's init per tensor family, and determinism by seed.
// The std checks use a model large enough (~2e5 weights drawn) that the sample std of each family is
// within ~2% of its target; the families' targets differ by a factor sqrt(2L) = 2.8, so a swap shows.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng';
import { initParams, numParams, paramSpecs } from '../../src/engine/model/params';

const cfg = { vocabSize: 65, blockSize: 32, nLayer: 4, nHead: 4, nEmbd: 64 };

function stats(xs: Float32Array): { mean: number; std: number } {
  let s = 0, s2 = 0;
  for (const v of xs) {
    s += v;
    s2 += v * v;
  }
  const mean = s / xs.length;
  return { mean, std: Math.sqrt(s2 / xs.length - mean * mean) };
}

describe('initParams', () => {
  const flat = initParams(cfg, new Rng(42));
  const specs = paramSpecs(cfg);
  const family = (test: (name: string) => boolean) => {
    const parts = specs.filter((s) => test(s.name)).map((s) => flat.subarray(s.offset, s.offset + s.size));
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  };

  it('has numParams values', () => {
    expect(flat.length).toBe(numParams(cfg));
    // wte + wpe + L * (12 C^2 + 13 C) + 2 C (nanoGPT's count with the tied head counted once)
    expect(numParams(cfg)).toBe(65 * 64 + 32 * 64 + 4 * (12 * 64 * 64 + 13 * 64) + 2 * 64);
  });

  it('draws weights with std 0.02 and c_proj weights with std 0.02 / sqrt(2 L)', () => {
    const plain = stats(family((n) => /(wte|wpe|c_attn\.weight|c_fc\.weight)$/.test(n)));
    const proj = stats(family((n) => n.endsWith('c_proj.weight')));
    expect(Math.abs(plain.mean)).toBeLessThan(1e-3);
    expect(plain.std / 0.02).toBeGreaterThan(0.98);
    expect(plain.std / 0.02).toBeLessThan(1.02);
    const want = 0.02 / Math.sqrt(2 * cfg.nLayer);
    expect(proj.std / want).toBeGreaterThan(0.98);
    expect(proj.std / want).toBeLessThan(1.02);
  });

  it('sets biases to 0 and LayerNorm weights to 1', () => {
    expect(family((n) => n.endsWith('.bias')).every((v) => v === 0)).toBe(true);
    const ln = family((n) => /ln_(1|2|f)\.weight$/.test(n));
    expect(ln.length).toBe((2 * cfg.nLayer + 1) * cfg.nEmbd);
    expect(ln.every((v) => v === 1)).toBe(true);
  });

  it('is fixed by the seed', () => {
    // element loops: vitest's deep equality on 2e5-element arrays is slow
    const same = (a: Float32Array) => a.length === flat.length && a.every((v, i) => v === flat[i]);
    expect(same(initParams(cfg, new Rng(42)))).toBe(true);
    expect(same(initParams(cfg, new Rng(43)))).toBe(false);
  });

  it('rejects a config whose nEmbd is not divisible by nHead', () => {
    expect(() => paramSpecs({ ...cfg, nHead: 5 })).toThrow(/divisible/);
    expect(() => paramSpecs({ ...cfg, nLayer: 0 })).toThrow(/nLayer must be an integer in \[1, 48\]/);
  });
});
