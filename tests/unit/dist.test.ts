// Data parallelism in one thread: N DistDevices over real MessageChannels (the same code the workers run).
// Same global batch, same update: every split of G = 16 sequences into devices x micro-batch x accum
// trains the same weights and sees the same samples per step; ZeRO-1 equals plain DP; no sample twice
// in an epoch. Model: 1 layer, C = 16, T = 8 (runs in about a second per split).
// Tolerance 1e-5 absolute on weights after 10 AdamW steps: splits differ only in f32 summation order of
// the gradients (~1e-7 relative); AdamW's m/sqrt(v) keeps that relative size, and |w| < 1 here.
// Except the attention KEY bias: its exact gradient is 0 (a constant added to every key shifts a whole
// softmax row), so every split holds different rounding noise there and AdamW turns noise into steps of
// up to lr. It is held to |diff| <= steps x lr instead (still catches a wrong update, which moves it more).
import { afterEach, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { Comm, localGroup, type PortTransport } from '../../src/engine/collectives';
import { modelConfigOf, parseConfig, type RunConfigInput } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { DistDevice } from '../../src/engine/dist/device';
import { paramSpecs } from '../../src/engine/model/params';
import type { DeviceStepReport } from '../../src/engine/dist/report';
import { runLocal } from './run-helpers';

// 200 characters: 180 train tokens -> 172 windows of 8+1 -> 10 steps of 16 per epoch.
const TEXT = 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(3).slice(0, 200);
const data = makeDataset('t', TEXT, 0.1);
const tiny: RunConfigInput = { nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 8, steps: 10, lr: 1e-2, warmup: 2, evalEvery: 0, evalWindows: 2, bucketMb: 0.002 };

let open: PortTransport[] = [];
afterEach(() => {
  open.forEach((t) => t.close());
  open = [];
});

/** Train `steps` steps on N in-thread devices; the final weights of every device and all step reports. */
async function train(over: RunConfigInput, steps = 10) {
  const cfg = parseConfig({ ...tiny, ...over });
  const ts = localGroup(cfg.devices);
  open.push(...ts);
  const devs = ts.map((t) => new DistDevice(new CpuBackend(), cfg, new Comm(t, { timeoutMs: 20_000 }), { train: data.train, val: data.val, vocabSize: data.tokenizer.vocabSize }));
  await Promise.all(devs.map((d) => d.broadcastWeights()));
  const reports: DeviceStepReport[][] = [];
  for (let s = 0; s < steps; s++) reports.push(await Promise.all(devs.map((d) => d.trainStep())));
  const weights = await Promise.all(devs.map((d) => d.replica.getParams()));
  devs.forEach((d) => d.destroy());
  return { weights, reports };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const cfg0 = parseConfig(tiny);
const kBias = (() => {
  const s = paramSpecs(modelConfigOf(cfg0, data.tokenizer.vocabSize)).find((p) => p.name === 'transformer.h.0.attn.c_attn.bias')!;
  return [s.offset + cfg0.nEmbd, s.offset + 2 * cfg0.nEmbd];
})();
/** Largest weight difference outside the key bias; asserts the key bias separately (see the header). */
function weightDiff(a: Float32Array, b: Float32Array): number {
  const [k0, k1] = kBias;
  expect(maxAbsDiff(a.subarray(k0, k1), b.subarray(k0, k1))).toBeLessThanOrEqual(10 * cfg0.lr);
  return Math.max(maxAbsDiff(a.subarray(0, k0), b.subarray(0, k0)), maxAbsDiff(a.subarray(k1), b.subarray(k1)));
}
/** The sorted global sample set of each step. */
const sampleSets = (reports: DeviceStepReport[][]) => reports.map((step) => step.flatMap((r) => r.samples.flat()).sort((a, b) => a - b));

describe('same global batch, same update', () => {
  it('(4,2,2), (2,4,2), (1,16,1), (8,1,2) train the same weights on the same samples; the driver’s (1,16,1) run equals the hand-stepped device', async () => {
    const ref = await train({ devices: 1, microBatch: 16, accum: 1 });
    const driven = await runLocal(parseConfig({ ...tiny, devices: 1, microBatch: 16, accum: 1 }), data);
    // The same device code in the same order, so bit-identical.
    expect(driven.finished!.params).toEqual(ref.weights[0]);
    for (const [devices, microBatch, accum] of [[4, 2, 2], [2, 4, 2], [8, 1, 2]]) {
      const run = await train({ devices, microBatch, accum });
      for (const w of run.weights) expect(weightDiff(w, ref.weights[0]), `(${devices},${microBatch},${accum})`).toBeLessThan(1e-5);
      for (const w of run.weights.slice(1)) expect(w).toEqual(run.weights[0]); // replicas never drift apart
      expect(sampleSets(run.reports)).toEqual(sampleSets(ref.reports));
      // Each device trains on accum micro-steps of microBatch windows.
      for (const r of run.reports[0]) expect(r.samples.map((m) => m.length)).toEqual(new Array(accum).fill(microBatch));
    }
  });

  it('ZeRO-1 (reduce-scatter, shard update, all-gather) equals plain data parallelism', async () => {
    const plain = await train({ devices: 4, microBatch: 2, accum: 2 });
    const zero = await train({ devices: 4, microBatch: 2, accum: 2, zero: 1 });
    for (const w of zero.weights) expect(weightDiff(w, plain.weights[0])).toBeLessThan(1e-5);
    // Optimizer state really is sharded: each device's AdamW covers a quarter of the parameters.
    expect(zero.reports[0][0].collectives.some((c) => c.name === 'ring reduce-scatter')).toBe(true);
    expect(zero.reports[0][0].collectives.some((c) => c.name === 'ring all-gather')).toBe(true);
  });

  it('no window is seen twice within an epoch across devices and steps', async () => {
    const { reports } = await train({ devices: 4, microBatch: 2, accum: 2 });
    const all = reports.flatMap((step) => step.flatMap((r) => r.samples.flat()));
    expect(all.length).toBe(160); // one full epoch: 10 steps x 16
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('communication', () => {
  it('ring sends 2(N-1)/N x gradient bytes per device per step, in several overlapping buckets', async () => {
    const { reports } = await train({ devices: 4, microBatch: 2, accum: 2 }, 2);
    const last = reports[1];
    const gradBytes = last[0].collectives.reduce((a, c) => a + c.bytes, 0);
    expect(last[0].collectives.length).toBeGreaterThan(2);
    for (const r of last) {
      const sent = r.bytesPerLink.reduce((a, b) => a + b, 0);
      // Each bucket's chunks round down/up by one element per rank: within 2 x 4 bytes per bucket.
      expect(Math.abs(sent - 1.5 * gradBytes)).toBeLessThanOrEqual(8 * last[0].collectives.length);
      expect(r.bytesPerLink.filter((b) => b > 0).length).toBe(1); // ring: only to the right neighbour
      // The first bucket starts before backward of the last micro-step has finished.
      const lastCompute = r.timeline.filter((e) => e.kind === 'compute').at(-1)!;
      const firstBucket = r.timeline.filter((e) => e.kind === 'bucket').sort((a, b) => a.t0 - b.t0)[0];
      expect(firstBucket.t0).toBeLessThan(lastCompute.t1);
      expect(r.msCompute + r.msComm + r.msIdle).toBeCloseTo(r.msStep, 6);
    }
  });

  it('fp16 compression halves the bytes and still trains', async () => {
    const f32 = await train({ devices: 2, microBatch: 4, accum: 2 }, 3);
    const f16 = await train({ devices: 2, microBatch: 4, accum: 2, compress: 'fp16' }, 3);
    const bytes = (r: DeviceStepReport) => r.bytesPerLink.reduce((a, b) => a + b, 0);
    expect(bytes(f16.reports[2][0])).toBe(bytes(f32.reports[2][0]) / 2);
    expect(f16.weights[1]).toEqual(f16.weights[0]);
    // fp16 keeps ~3 significant digits of each gradient; AdamW normalises, so weights stay close.
    expect(maxAbsDiff(f16.weights[0], f32.weights[0])).toBeLessThan(1e-2);
  });
});

describe('divergence', () => {
  it('fp16 on several devices stops with a DivergenceError once every step overflows', async () => {
    const cfg = parseConfig({ ...tiny, devices: 2, microBatch: 4, precision: 'fp16', steps: 100 });
    const ts = localGroup(2);
    open.push(...ts);
    const devs = ts.map((t) => new DistDevice(new CpuBackend(), cfg, new Comm(t, { timeoutMs: 20_000 }), { train: data.train, val: data.val, vocabSize: data.tokenizer.vocabSize }));
    await Promise.all(devs.map((d) => d.broadcastWeights()));
    for (const d of devs) {
      const p = await d.replica.getParams();
      p[0] = NaN; // every gradient is NaN from now on: each step overflows and halves the scale
      d.replica.setParams(p);
    }
    let error: unknown = null;
    for (let s = 0; s < 60 && !error; s++) await Promise.all(devs.map((d) => d.trainStep())).catch((e) => (error = e));
    devs.forEach((d) => d.destroy());
    // 2^16 halves below 2^-24 after 41 skipped steps
    expect(String(error)).toMatch(/training diverged at step 41: the fp16 loss scale fell/);
  });
});
