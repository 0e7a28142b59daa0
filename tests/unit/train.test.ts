// The training step against PyTorch: A's GPT + our AdamW, schedule and clipping through Replica follow
// the fixture's 4-step torch.optim.AdamW trajectory (warmup + cosine, clip_grad_norm_, decay on 2-D
// weights); the loss scaler follows the GradScaler fixture; fp16 rounding; divergence is an error.
// Tolerances: the gradients already differ from torch by ~1e-7..1e-6 relative (f32 summation order);
// AdamW divides m by sqrt(v), so after 4 steps a weight's update keeps that relative error, and the
// per-tensor norm-relative error of the weights stays ~1e-6. We assert 1e-5 (10x headroom); a wrong
// bias correction, decay group, clip or lr gives > 1e-3.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { MeteredBackend } from '../../src/engine/backend/metered';
import { parseConfig } from '../../src/engine/config';
import { makeBatch, makeDataset } from '../../src/engine/data/dataset';
import { taskText } from '../../src/engine/data/tasks';
import { f16Room } from '../../src/engine/model/grads';
import { clipCoef } from '../../src/engine/optim/clip';
import { LossScaler } from '../../src/engine/optim/scaler';
import { lrAt } from '../../src/engine/optim/schedule';
import { f16BitsToF32, f32ToF16Bits, roundToF16 } from '../../src/engine/ops/f16';
import { DivergenceError } from '../../src/engine/errors';
import { Replica } from '../../src/engine/train/replica';
import { relErr } from './gradcheck-helpers';
import { fixtureNames, flatten, loadFixture } from './model-fixture';
import { oneDevice, runLocal } from './run-helpers';

const TOL = 1e-5;

/** c_attn.bias holds q|k|v biases. The key bias's gradient is exactly 0 in exact arithmetic (adding a
 *  constant to every key adds the same q.b to a whole softmax row), so both sides hold rounding noise
 *  (~1e-9) there, which AdamW's m/sqrt(v) turns into arbitrary +-lr-sized steps. Compare q and v at TOL;
 *  for k, check only that each step stayed within lr of PyTorch's (4 steps: |diff| <= 4 lr). */
function keyBiasAware(got: Float32Array, want: number[], C: number, lr: number): number {
  for (let i = C; i < 2 * C; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(4 * lr);
  const keep = (a: ArrayLike<number>) => [...Array.from(a).slice(0, C), ...Array.from(a).slice(2 * C)];
  return relErr(keep(got), keep(want));
}

describe.each(fixtureNames)('AdamW trajectory vs PyTorch fixture %s', (name) => {
  it('lr, loss, grad norm per step and the weights after 4 steps match', async () => {
    const fx = loadFixture(name);
    const { B, T, train: tr } = fx;
    const cfg = parseConfig({
      nLayer: fx.config.nLayer, nHead: fx.config.nHead, nEmbd: fx.config.nEmbd, blockSize: fx.config.blockSize, microBatch: B,
      optimizer: 'adamw', lr: tr.optimizer.lr, beta1: tr.optimizer.beta1, beta2: tr.optimizer.beta2, eps: tr.optimizer.eps,
      weightDecay: tr.optimizer.weight_decay, schedule: 'cosine', warmup: tr.schedule.warmup, steps: tr.schedule.max_steps,
      minLr: tr.schedule.min_lr, clip: tr.clip,
    });
    const r = new Replica(new CpuBackend(), cfg, fx.config.vocabSize);
    r.setParams(flatten(fx.config, fx.params));
    const batch = { ids: Float32Array.from(fx.ids), targets: Float32Array.from(fx.targets), B, T, offsets: [] };
    for (const [it, want] of tr.steps.entries()) {
      const lr = lrAt(cfg.schedule, cfg, it);
      expect(lr).toBeCloseTo(want.lr, 15);
      r.zeroGrads();
      const loss = (await r.microStep(batch, 1 / (B * T))) / (B * T);
      const { sumsq } = await r.gradStats();
      const norm = Math.sqrt(sumsq);
      expect(Math.abs(loss - want.loss) / want.loss).toBeLessThan(TOL);
      expect(Math.abs(norm - want.grad_norm) / want.grad_norm).toBeLessThan(TOL);
      r.applyUpdate({ lr, unscale: 1, clipCoef: clipCoef(norm, cfg.clip) });
    }
    const after = await r.getParams();
    let worst = 0;
    for (const s of r.model.specs) {
      const got = after.subarray(s.offset, s.offset + s.size), want = tr.params_after[s.name];
      const e = s.name.endsWith('attn.c_attn.bias') ? keyBiasAware(got, want, fx.config.nEmbd, cfg.lr) : relErr(got, want);
      worst = Math.max(worst, e);
      expect(e, s.name).toBeLessThan(TOL);
    }
    console.log(`${name}: worst weight rel err after ${tr.steps.length} AdamW steps ${worst.toExponential(2)}`);
  });
});

describe('LossScaler vs the GradScaler fixture', () => {
  it('reproduces scale, skip and growth tracker at every step', () => {
    const fx = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'gradscaler.json'), 'utf8'));
    const o = fx.options;
    const s = new LossScaler({ initScale: o.init_scale, growthFactor: o.growth_factor, backoffFactor: o.backoff_factor, growthInterval: o.growth_interval });
    for (const st of fx.steps) {
      expect(s.scale).toBe(st.scale);
      expect(s.update(st.found_inf)).toBe(st.skipped);
      expect(s.scale).toBe(st.scale_after);
      expect(s.growthTracker).toBe(st.growth_tracker);
    }
    expect(fx.steps.some((x: { skipped: boolean }) => x.skipped)).toBe(true);
  });
});

describe('fp16 rounding', () => {
  it('rounds to nearest even, overflows to inf, flushes below the smallest subnormal', () => {
    expect(f16BitsToF32(f32ToF16Bits(1))).toBe(1);
    expect(f16BitsToF32(f32ToF16Bits(65504))).toBe(65504);
    expect(f16BitsToF32(f32ToF16Bits(65520))).toBe(Infinity); // halfway to 2^16 rounds up
    expect(f16BitsToF32(f32ToF16Bits(-1e6))).toBe(-Infinity);
    expect(f16BitsToF32(f32ToF16Bits(1 + 2 ** -11))).toBe(1); // tie -> even mantissa
    expect(f16BitsToF32(f32ToF16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(f16BitsToF32(f32ToF16Bits(2 ** -24))).toBe(2 ** -24);
    expect(f16BitsToF32(f32ToF16Bits(2 ** -26))).toBe(0);
    expect(f16BitsToF32(f32ToF16Bits(3 * 2 ** -26))).toBe(2 ** -24); // 0.75 of the smallest subnormal rounds up
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
    expect(Array.from(roundToF16(Float32Array.from([0.1])))[0]).toBe(f16BitsToF32(0x2e66));
  });
});

const tiny = { data: 'copy', nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16, microBatch: 4, steps: 4, warmup: 1, evalEvery: 2, evalWindows: 4 };
const dataset = () => makeDataset('copy', taskText('copy', 20_000)!);

// a text with strong bigram structure, so a few dozen steps of a tiny model visibly learn it
const pangrams = () => makeDataset('pangram', 'the quick brown fox jumps over the lazy dog. '.repeat(400));

/** A one-device run through the driver (the path `npm run train` takes): its step metrics and final weights. */
async function run(over: Record<string, unknown>, data = dataset()) {
  const r = await runLocal(parseConfig({ ...tiny, ...over }), data);
  if (!r.finished) throw new Error(`run did not finish: ${JSON.stringify(r.failed)}`);
  return { out: r.steps, params: r.finished.params };
}

describe('one-device run', () => {
  it('is deterministic: the same seed gives bit-identical losses and weights; another seed does not', async () => {
    const a = await run({}), b = await run({}), c = await run({ seed: 7 });
    expect(a.out.map((m) => m.loss)).toEqual(b.out.map((m) => m.loss));
    expect(a.params).toEqual(b.params);
    expect(c.out.map((m) => m.loss)).not.toEqual(a.out.map((m) => m.loss));
  });
  it('emits the metrics fields, validation loss on schedule, and lowers the loss', async () => {
    const { out } = await run({ steps: 40, lr: 1e-2, evalEvery: 20 }, pangrams());
    for (const k of ['step', 'loss', 'lr', 'gradNorm', 'lossScale', 'skipped', 'tokens', 'msCompute', 'msComm', 'msIdle', 'bytesSent', 'samples']) {
      expect(out[0]).toHaveProperty(k);
    }
    expect(out[0].samples).toHaveLength(1);
    expect(out[0].samples[0][0]).toHaveLength(4);
    expect(out.filter((m) => m.valLoss !== undefined).map((m) => m.step)).toEqual([20, 40]);
    expect(out[39].tokens).toBe(40 * 4 * 16);
    expect(out[39].valLoss!).toBeLessThan(out[19].valLoss! - 0.1);
    expect(out[39].loss).toBeLessThan(out[0].loss - 0.5);
  });
  it('fp16 with loss scaling trains like fp32 (scale 2^16, no skips on a healthy run)', async () => {
    const f32 = await run({}), f16 = await run({ precision: 'fp16' });
    expect(f16.out[0].lossScale).toBe(65536);
    expect(f16.out.every((m) => !m.skipped)).toBe(true);
    // fp16 gradient storage changes the grads by ~2^-11 relative: losses agree to ~1e-3
    f16.out.forEach((m, i) => expect(Math.abs(m.loss - f32.out[i].loss)).toBeLessThan(1e-3));
  });
  it('fp16 accumulates gradients across micro-batches in packed fp16 storage (no f32 copy of the gradients)', async () => {
    const cfg = parseConfig({ ...tiny, precision: 'fp16', accum: 2 });
    const data = dataset();
    const batch = (o: number) => makeBatch(data.train, [o, o + 40], cfg.blockSize);
    const be16 = new MeteredBackend(new CpuBackend());
    const r16 = new Replica(be16, cfg, data.tokenizer.vocabSize);
    const r32 = new Replica(new CpuBackend(), parseConfig({ ...tiny, accum: 2 }), data.tokenizer.vocabSize);
    const P = r16.numParams, S = f16Room(r16.model.cfg);
    // what the backend holds for gradients: the packed words and the scratch, never 4 bytes per parameter
    expect(be16.use().live.grads).toBe(2 * P + 4 * S);
    expect(4 * S).toBeLessThan(P);
    const scale = 1024 / (4 * cfg.blockSize);
    r16.zeroGrads();
    await r16.microStep(batch(0), scale);
    await r16.microStep(batch(100), scale);
    expect(be16.use().peak.grads).toBe(2 * P + 4 * S);
    const after2 = await r16.readGrads();
    // the sum is f16(f16(g1) + g2) of the fp32 per-micro-batch gradients: each element rounded once per
    // micro-batch. Up to one f16 step, since the fp16 backward adds wte's two parts and wpe's batch sum
    // (and a matmul may add a row block's products) in another f32 order, which can move a sum across a
    // rounding boundary: that is rare (f32 order changes ~1e-7 relative, an f16 step is 5e-4), so almost
    // every element is bit for bit.
    r32.zeroGrads();
    await r32.microStep(batch(0), scale);
    const g1 = await r32.readGrads();
    r32.zeroGrads();
    await r32.microStep(batch(100), scale);
    const g2 = await r32.readGrads();
    const want = roundToF16(roundToF16(g1).map((v, i) => v + g2[i]));
    const ulp = (v: number) => 2 ** (Math.max(-14, Math.floor(Math.log2(Math.abs(v) || 2 ** -14))) - 10);
    after2.forEach((v, i) => expect(Math.abs(v - want[i]), `element ${i}`).toBeLessThanOrEqual(ulp(want[i])));
    expect(after2.filter((v, i) => v === want[i]).length / P).toBeGreaterThan(0.95);
    // and it is not an f32 accumulation
    expect(after2.some((v, i) => v !== Math.fround(g1[i] + g2[i]))).toBe(true);
  });
  it('accumulation over micro-steps gives the same step as one larger micro-batch', async () => {
    const a = await run({ microBatch: 4, accum: 2 }), b = await run({ microBatch: 8, accum: 1 });
    expect(a.out[0].samples[0].flat().sort()).toEqual(b.out[0].samples[0].flat().sort());
    // same windows, same update up to f32 summation order
    expect(relErr(a.params, b.params)).toBeLessThan(1e-6);
  });
  it('names the step when training diverges (fp32 NaN)', async () => {
    const t = oneDevice(parseConfig(tiny), dataset());
    await t.trainStep();
    const p = await t.replica.getParams();
    p[3] = NaN;
    t.replica.setParams(p);
    await expect(t.trainStep()).rejects.toThrow(DivergenceError);
    await expect(t.trainStep()).rejects.toThrow(/training diverged at step \d: the loss is not finite/);
  });
});
