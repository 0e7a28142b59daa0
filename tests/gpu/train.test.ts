// End to end: 20 optimizer steps of a tiny GPT on the WebGPU backend track the CPU backend step by step,
// and fp16 gradients (packed fp16 storage on the device, weight gradients in row blocks through a small
// scratch, accumulated across micro-batches, dynamic loss scaling) track fp32.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import type { Backend } from '../../src/engine/backend/types';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { globalBatch, modelConfigOf, parseConfig, type RunConfig } from '../../src/engine/config';
import { makeDataset, type Dataset } from '../../src/engine/data/dataset';
import { f16Room } from '../../src/engine/model/grads';
import { paramSpecs } from '../../src/engine/model/params';
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

  it('fp16 gradients (packed on the device, row blocks, accumulation, dynamic loss scaling) track fp32', async () => {
    const gpu = new WebGpuBackend(device);
    const c16 = cfg({ precision: 'fp16' });
    // the c_fc weight (4C x C) is larger than the fp16 scratch, so its gradient really goes in row blocks
    const specs = paramSpecs(modelConfigOf(c16, data.tokenizer.vocabSize));
    expect(specs.find((x) => x.name.endsWith('mlp.c_fc.weight'))!.size).toBeGreaterThan(f16Room(modelConfigOf(c16, data.tokenizer.vocabSize)));
    const f16 = await losses(gpu, c16);
    const f32 = await losses(gpu, cfg());
    const cpu16 = await losses(new CpuBackend(), c16);
    gpu.destroy();
    console.log('loss fp32', f32.loss.map((v) => v.toFixed(6)).join(' '));
    console.log('loss fp16', f16.loss.map((v) => v.toFixed(6)).join(' '));
    const d16 = Math.max(...f16.loss.map((v, s) => Math.abs(v - f32.loss[s])));
    console.log(`max |loss fp16 - loss fp32| = ${d16.toExponential(2)}`);
    // fp16 keeps 11 significant bits of each accumulated gradient (relative 2^-11 = 5e-4 per element);
    // AdamW's normalised step turns that into loss changes of ~1e-5 here (measured 1.5e-5): allow 5e-4
    // relative per step. A skipped step (overflow at the initial scale) would exceed this and fail.
    for (let s = 0; s < STEPS; s++) expect(Math.abs(f16.loss[s] - f32.loss[s])).toBeLessThan(5e-4 * f32.loss[s]);
    expect(f16.loss[STEPS - 1]).toBeLessThan(f16.loss[0] - 0.5);
    // The packed bits come from the same rounding on both backends, so the fp16 runs agree as closely as
    // fp32 ones do (2e-5, the first test's bound).
    for (let s = 0; s < STEPS; s++) expect(Math.abs(f16.loss[s] - cpu16.loss[s])).toBeLessThan(2e-5 * cpu16.loss[s]);
    // Unpacking chunk by chunk adds no readback: 2 micro-steps (one loss read each) + one statistics read.
    expect(f16.readbacks.every((n) => n === 3)).toBe(true);
  });
});
