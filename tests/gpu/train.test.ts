// End to end: 20 optimizer steps of a tiny GPT on the WebGPU backend track the CPU backend step by step,
// and FP16 gradient accumulation (packed on the device) tracks fp32 accumulation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import type { Backend } from '../../src/engine/backend/types';
import { whole } from '../../src/engine/backend/types';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { Fp16Accumulator } from '../../src/engine/train/fp16-accumulator';
import { globalBatch, parseConfig, type RunConfig } from '../../src/engine/config';
import { makeBatch, makeDataset, type Dataset } from '../../src/engine/data/dataset';
import { shard } from '../../src/engine/data/sampler';
import { clipCoef } from '../../src/engine/optim/clip';
import { lrAt } from '../../src/engine/optim/schedule';
import { oneDevice } from '../unit/run-helpers';
import { getDevice, releaseGpu } from './gpu';

let device: GPUDevice;
beforeAll(async () => ({ device } = await getDevice()));
afterAll(() => releaseGpu(device));

const STEPS = 20;
const cfg = (over: Record<string, unknown> = {}): RunConfig =>
  parseConfig({ nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, microBatch: 4, accum: 2, steps: STEPS, data: 'pangrams', evalEvery: 0, evalWindows: 4, warmup: 4, lr: 1e-2, ...over });
// Text with a skewed, learnable character distribution (random-string tasks stay at ln V for 20 steps).
const text = Array.from({ length: 400 }, (_, i) => ['the quick brown fox jumps over the lazy dog. ', 'pack my box with five dozen liquor jugs! ', 'how vexingly quick daft zebras jump. '][(i * 7) % 3]).join('');
const data: Dataset = makeDataset('pangrams', text);

async function losses(be: Backend, c: RunConfig): Promise<{ loss: number[]; val: number; readbacks: number[] }> {
  const t = oneDevice(c, data, be);
  const loss: number[] = [];
  const readbacks: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    if (be instanceof WebGpuBackend) be.resetCounters();
    const m = await t.trainStep();
    if (be instanceof WebGpuBackend) readbacks.push(be.counters.readbacks);
    loss.push(m.lossSum / (globalBatch(c) * c.blockSize));
  }
  const val = await t.evaluate();
  t.destroy();
  return { loss, val, readbacks };
}

/** One optimizer step accumulating micro-batch gradients in packed fp16 on the device (else as the trainer). */
async function fp16AccumSteps(be: Backend, c: RunConfig): Promise<number[]> {
  const t = oneDevice(c, data, be);
  const r = t.replica;
  const acc = new Fp16Accumulator(be, r.numParams);
  const out: number[] = [];
  for (let it = 0; it < STEPS; it++) {
    const G = globalBatch(c), T = c.blockSize, scale = r.scaler.scale;
    const global = t.sampler.globalBatch(it);
    acc.reset();
    let lossSum = 0;
    for (let k = 0; k < c.accum; k++) {
      r.zeroGrads();
      lossSum += await r.microStep(makeBatch(data.train, shard(global, c, 0, k), T), scale / (G * T));
      acc.add(whole(r.model.grads));
    }
    acc.unpackTo(whole(r.model.grads));
    const stats = await r.gradStats();
    const skipped = r.scaler.update(stats.nonfinite);
    if (!skipped) r.applyUpdate({ lr: lrAt(c.schedule, c, it), unscale: 1 / scale, clipCoef: clipCoef(Math.sqrt(stats.sumsq) / scale, c.clip) });
    out.push(lossSum / (G * T));
  }
  acc.destroy();
  t.destroy();
  return out;
}

describe('training on webgpu vs cpu', () => {
  it(`${STEPS} AdamW steps (2 micro-batches each, clipping, warmup+cosine) match step by step`, async () => {
    const gpu = new WebGpuBackend(device);
    const cpu = await losses(new CpuBackend(), cfg());
    const got = await losses(gpu, cfg());
    gpu.destroy();
    console.log('loss cpu   ', cpu.loss.map((v) => v.toFixed(6)).join(' '));
    console.log('loss webgpu', got.loss.map((v) => v.toFixed(6)).join(' '));
    console.log('readbacks per step', got.readbacks.join(' '));
    // f32 kernels that sum in different orders (and f64 on the CPU side) differ by ~1e-6 relative per op;
    // AdamW normalises updates so this does not grow much over 20 steps (measured: < 1e-6 absolute):
    // 2e-5 relative on every step's loss and on the final validation loss.
    const dmax = Math.max(...got.loss.map((v, s) => Math.abs(v - cpu.loss[s])));
    console.log(`max |loss webgpu - loss cpu| = ${dmax.toExponential(2)}; val ${got.val} vs ${cpu.val}`);
    for (let s = 0; s < STEPS; s++) expect(Math.abs(got.loss[s] - cpu.loss[s])).toBeLessThan(2e-5 * cpu.loss[s]);
    expect(Math.abs(got.val - cpu.val)).toBeLessThan(2e-5 * cpu.val);
    expect(cpu.loss[STEPS - 1]).toBeLessThan(cpu.loss[0] - 0.5); // it learned something, so the match means something
    // 2 micro-steps (one loss read each) + one gradient-stats read per step.
    expect(got.readbacks.every((n) => n === 3)).toBe(true);
  });

  it('fp16 gradient accumulation (packed, on the device, dynamic loss scaling) tracks fp32', async () => {
    const gpu = new WebGpuBackend(device);
    const c16 = cfg({ precision: 'fp16' });
    const f16 = await fp16AccumSteps(gpu, c16);
    const f32 = (await losses(gpu, cfg())).loss;
    const cpu16 = await fp16AccumSteps(new CpuBackend(), c16);
    gpu.destroy();
    console.log('loss fp32      ', f32.map((v) => v.toFixed(6)).join(' '));
    console.log('loss fp16 accum', f16.map((v) => v.toFixed(6)).join(' '));
    const d16 = Math.max(...f16.map((v, s) => Math.abs(v - f32[s])));
    console.log(`max |loss fp16 accum - loss fp32| = ${d16.toExponential(2)}`);
    // fp16 keeps 11 significant bits of each accumulated gradient (relative 2^-11 = 5e-4 per element);
    // AdamW's normalised step turns that into loss changes of ~1e-5 here (measured 1.5e-5): allow 5e-4
    // relative per step. A skipped step (overflow at the initial scale) would exceed this and fail.
    for (let s = 0; s < STEPS; s++) expect(Math.abs(f16[s] - f32[s])).toBeLessThan(5e-4 * f32[s]);
    expect(f16[STEPS - 1]).toBeLessThan(f16[0] - 0.5);
    // The packed bits are the same on both backends, so the fp16 runs agree as closely as fp32 ones do.
    for (let s = 0; s < STEPS; s++) expect(Math.abs(f16[s] - cpu16[s])).toBeLessThan(2e-5 * cpu16[s]);
  });
});
