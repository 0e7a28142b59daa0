// The GPT on the CPU backend against PyTorch (tests/fixtures/gpt-*.json): loss, every parameter gradient,
// last-position logits; plus onGradReady, gradient accumulation, batch splitting and initParams.
// Tolerances: PyTorch computes in f32 with its own summation order; our TS twins sum in f64 and round once
// per output, our WebAssembly kernels sum in f32 in another order than torch's, so the two differ by a few
// f32 roundings per op chain: ~1e-7..2.4e-6 relative. We assert 1e-5
// (norm-relative per tensor, ||ours - torch|| / ||torch||): a wrong formula, layout or missing term gives
// O(1e-2) or more; 1e-5 leaves an order of magnitude of headroom over the measured worst case.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { GPT } from '../../src/engine/model/gpt';
import { paramSpecs } from '../../src/engine/model/params';
import { relErr } from './gradcheck-helpers';
import { fixtureNames, flatten, loadFixture } from './model-fixture';

const TOL = 1e-5;

describe.each(fixtureNames)('GPT vs PyTorch fixture %s', (name) => {
  const fx = loadFixture(name);
  const { B, T } = fx;
  const ids = Float32Array.from(fx.ids), targets = Float32Array.from(fx.targets);
  const setup = (maxBatch = B + 1, wasm = true) => {
    const be = new CpuBackend({ wasm });
    const gpt = new GPT(be, fx.config, maxBatch); // maxBatch > B: the model must use a prefix of its buffers
    gpt.setParams(flatten(fx.config, fx.params));
    return { be, gpt };
  };

  it('loss and every parameter gradient match', async () => {
    const { be, gpt } = setup();
    const sum = await gpt.forwardBackward(ids, targets, B, T, 1 / (B * T));
    expect(Math.abs(sum / (B * T) - fx.loss) / fx.loss).toBeLessThan(TOL);
    const grads = be.data(gpt.grads);
    const worst: [string, number][] = [];
    for (const s of gpt.specs) {
      const e = relErr(grads.subarray(s.offset, s.offset + s.size), fx.grads[s.name]);
      worst.push([s.name, e]);
      expect(e, s.name).toBeLessThan(TOL);
    }
    worst.sort((a, b) => b[1] - a[1]);
    console.log(`${name}: loss ${fx.loss}, worst gradient rel err ${worst[0][1].toExponential(2)} (${worst[0][0]})`);
  });

  it('with the TS twins only (where WebAssembly SIMD is missing), loss and every gradient match too', async () => {
    const { be, gpt } = setup(B + 1, false);
    expect(be.kernels).toBe('ts');
    const sum = await gpt.forwardBackward(ids, targets, B, T, 1 / (B * T));
    expect(Math.abs(sum / (B * T) - fx.loss) / fx.loss).toBeLessThan(TOL);
    const grads = be.data(gpt.grads);
    for (const s of gpt.specs) expect(relErr(grads.subarray(s.offset, s.offset + s.size), fx.grads[s.name]), s.name).toBeLessThan(TOL);
  });

  it('forwardLoss gives the same loss and leaves gradients alone', async () => {
    const { be, gpt } = setup();
    const sum = await gpt.forwardLoss(ids, targets, B, T);
    expect(Math.abs(sum / (B * T) - fx.loss) / fx.loss).toBeLessThan(TOL);
    expect(be.data(gpt.grads).every((v) => v === 0)).toBe(true);
  });

  it('logitsLast matches the last-position logits', async () => {
    const { gpt } = setup();
    const got = await gpt.logitsLast(ids, B, T);
    expect(got.length).toBe(B * fx.config.vocabSize);
    expect(relErr(got, fx.logits_last)).toBeLessThan(TOL);
  });

  it('onGradReady fires once per parameter, in reverse order, with the gradient already complete', async () => {
    const { be, gpt } = setup();
    const order: number[] = [];
    const snap = new Map<number, Float32Array>();
    await gpt.forwardBackward(ids, targets, B, T, 1 / (B * T), async (i) => {
      order.push(i);
      snap.set(i, await be.read(gpt.gradSlice(i)));
    });
    expect(order).toEqual(gpt.specs.map((_, i) => i).reverse());
    const final = be.data(gpt.grads);
    for (const s of gpt.specs) {
      // the snapshot taken at the callback must equal the final gradient bit for bit
      expect(snap.get(gpt.specs.indexOf(s)), s.name).toEqual(final.slice(s.offset, s.offset + s.size));
    }
  });

  it('gradients accumulate across calls and split batches add up to the whole batch', async () => {
    const whole = setup();
    await whole.gpt.forwardBackward(ids, targets, B, T, 1 / (B * T));
    const want = whole.be.data(whole.gpt.grads).slice();
    const split = setup(1);
    let sum = 0;
    for (let b = 0; b < B; b++) {
      const rows = (a: Float32Array) => a.slice(b * T, (b + 1) * T);
      sum += await split.gpt.forwardBackward(rows(ids), rows(targets), 1, T, 1 / (B * T));
    }
    expect(Math.abs(sum / (B * T) - fx.loss) / fx.loss).toBeLessThan(TOL);
    // same math, different f32 rounding of the per-sequence partial sums: 1e-6 is ample
    expect(relErr(split.be.data(split.gpt.grads), want)).toBeLessThan(1e-6);
    split.gpt.zeroGrads();
    expect(split.be.data(split.gpt.grads).every((v) => v === 0)).toBe(true);
  });

  it('rejects bad batches with specific errors', async () => {
    const { gpt } = setup(B);
    await expect(gpt.forwardLoss(ids, targets, B + 1, T)).rejects.toThrow(/batch/);
    await expect(gpt.forwardLoss(ids, targets, B, fx.config.blockSize + 1)).rejects.toThrow(/sequence length/);
    const bad = ids.slice();
    bad[1] = fx.config.vocabSize;
    await expect(gpt.forwardLoss(bad, targets, B, T)).rejects.toThrow(/ids\[1\]/);
    await expect(gpt.forwardLoss(ids.slice(1), targets, B, T)).rejects.toThrow(/entries/);
  });
});

describe('paramSpecs', () => {
  it('lists nanoGPT names in named_parameters() order with contiguous offsets', () => {
    const fx = loadFixture('small');
    const specs = paramSpecs(fx.config);
    expect(specs.map((s) => s.name)).toEqual(Object.keys(fx.params));
    let off = 0;
    for (const s of specs) {
      expect(s.offset).toBe(off);
      expect(s.size).toBe(s.shape.reduce((a, b) => a * b, 1));
      expect(s.decay).toBe(s.shape.length === 2);
      off += s.size;
    }
  });
});
