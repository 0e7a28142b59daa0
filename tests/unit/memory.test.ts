// Memory estimate: parameter count, ZeRO-1 sharding of optimizer state, and refusal before allocation.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { Replica } from '../../src/engine/train/replica';
import { checkMemory, countParams, estimateMemory, MemoryBudgetError } from '../../src/engine/memory';

describe('memory estimate', () => {
  it('counts nanoGPT parameters (GPT-2 small shape: 124M with V=50257, T=1024)', () => {
    // nanoGPT reports 124.44M parameters including wpe for gpt2 (tied head counted once).
    expect(countParams({ nLayer: 12, nHead: 12, nEmbd: 768, blockSize: 1024 }, 50257)).toBe(124_439_808);
  });
  it('adds weights, grads, optimizer state and activations; ZeRO-1 divides the optimizer state by N', () => {
    const c = parseConfig({ devices: 4 });
    const e = estimateMemory(c, 80);
    expect(e.weights).toBe(4 * e.params);
    expect(e.grads).toBe(4 * e.params);
    expect(e.optimizer).toBe(8 * e.params);
    expect(e.total).toBe(e.weights + e.grads + e.optimizer + e.activations);
    const z = estimateMemory(parseConfig({ devices: 4, zero: 1 }), 80);
    expect(z.optimizer).toBe(Math.ceil((2 * e.params) / 4) * 4);
    expect(estimateMemory(parseConfig({ optimizer: 'sgd', momentum: 0 }), 80).optimizer).toBe(0);
    expect(estimateMemory(parseConfig({ microBatch: 16 }), 80).activations).toBeGreaterThan(1.9 * e.activations);
    // fp16: packed gradients (2 bytes/param) and an f32 scratch of max(V C, T C, 4C) elements
    const h = estimateMemory(parseConfig({ devices: 4, precision: 'fp16' }), 80);
    expect(h.grads).toBe(2 * e.params + 4 * 80 * 64);
    expect(h.grads).toBeLessThan(0.55 * e.grads);
  });
  it('refuses a config over budget with a message naming the parts', () => {
    const big = parseConfig({ nLayer: 24, nEmbd: 1024, nHead: 16, blockSize: 1024, microBatch: 32 });
    expect(() => checkMemory(big, 80, 2 ** 30)).toThrow(MemoryBudgetError);
    expect(() => checkMemory(big, 80, 2 ** 30)).toThrow(/needs about [\d.]+ GB per device \(weights .*\) but the budget is 1.0 GB/);
    expect(checkMemory(parseConfig({}), 80, 2 ** 30).total).toBeLessThan(2 ** 30);
  });
  it('matches what a Replica really allocates within 5%', () => {
    for (const over of [{}, { microBatch: 16 }, { nLayer: 3, nEmbd: 96, nHead: 3, blockSize: 96 }, { optimizer: 'sgd', emaDecay: 0.99 }, { precision: 'fp16' }]) {
      const be = new CpuBackend();
      let bytes = 0;
      const alloc = be.alloc.bind(be);
      be.alloc = (n: number, label?: string) => ((bytes += 4 * n), alloc(n, label));
      const c = parseConfig(over);
      new Replica(be, c, 83).destroy();
      const e = estimateMemory(c, 83).total;
      expect(Math.abs(e - bytes) / bytes, JSON.stringify(over)).toBeLessThan(0.05);
    }
  });
});
