import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng';

describe('Rng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xs = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(xs);
  });

  it('resumes exactly from a saved state', () => {
    const a = new Rng(7);
    for (let i = 0; i < 100; i++) a.normal();
    const saved = a.getState();
    const want = Array.from({ length: 20 }, () => a.normal());
    const b = new Rng(saved);
    expect(Array.from({ length: 20 }, () => b.normal())).toEqual(want);
  });

  it('draws normals with mean ~0 and std ~1', () => {
    // 200k draws: standard error of the mean is 1/sqrt(2e5) ~ 0.0022, so 0.01 is > 4 sigma.
    const r = new Rng(1);
    const n = 200_000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(s2 / n - (s / n) ** 2) - 1)).toBeLessThan(0.01);
  });

  it('int(n) stays in range and hits every value', () => {
    const r = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = r.int(7);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(7);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
  });

  it('rejects an all-zero state', () => {
    expect(() => new Rng([0, 0, 0, 0])).toThrow(/not all zero/);
  });
});
