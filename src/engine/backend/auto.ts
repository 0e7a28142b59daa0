// The `auto` backend choice, measured rather than guessed: time one small training step (GPT forward +
// backward on a tiny config) on the CPU backend and, when a GPUDevice can be opened, on WebGPU; keep the
// faster and say why with the numbers. On a software adapter (SwiftShader) the CPU wins; on a hardware GPU
// WebGPU usually does. Pure engine code: the device comes from a caller-supplied factory.
// Probe cost: two CPU steps (~10-30 ms) plus pipeline compilation and two steps on WebGPU (~0.3-1 s on
// SwiftShader, mostly one-time shader compilation, which the warm-up step absorbs).
import type { BackendChoice, BackendName } from './adapter';
import { CpuBackend } from './cpu';
import type { Backend } from './types';
import { WebGpuBackend } from './webgpu/backend';
import { GPT } from '../model/gpt';
import type { ModelConfig } from '../model/config';
import { initParams } from '../model/params';
import { Rng } from '../rng';

export interface ProbeOptions {
  /** Opens a device to probe (or null when WebGPU is unavailable); the caller owns the GPU object. */
  openDevice?: () => Promise<GPUDevice | null>;
  cfg?: ModelConfig;
  B?: number;
  T?: number;
  /** Timed steps per backend (after one warm-up step); the minimum is kept. */
  reps?: number;
}

export interface MeasuredChoice extends BackendChoice {
  /** Milliseconds per probe step, per backend measured. */
  ms: Partial<Record<BackendName, number>>;
  /** The probed device, kept open when webgpu is chosen (destroyed otherwise). */
  device: GPUDevice | null;
}

const PROBE_CFG: ModelConfig = { vocabSize: 65, blockSize: 32, nLayer: 2, nHead: 4, nEmbd: 64 };

/** Median-free, cheap timing: the fastest of `reps` steps after one warm-up. */
async function timeStep(be: Backend, cfg: ModelConfig, B: number, T: number, reps: number): Promise<number> {
  const model = new GPT(be, cfg, B);
  try {
    model.setParams(initParams(cfg, new Rng(1)));
    const rng = new Rng(2);
    const ids = Float32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));
    const targets = Float32Array.from({ length: B * T }, () => rng.int(cfg.vocabSize));
    let best = Infinity;
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      model.zeroGrads();
      await model.forwardBackward(ids, targets, B, T, 1 / (B * T)); // reads the loss: includes the GPU sync
      if (i > 0) best = Math.min(best, performance.now() - t0);
    }
    return best;
  } finally {
    model.destroy();
  }
}

/** Time a probe step on each available backend and pick the faster. Never throws for a WebGPU failure. */
export async function chooseBackendMeasured(opts: ProbeOptions = {}): Promise<MeasuredChoice> {
  const cfg = opts.cfg ?? PROBE_CFG;
  const B = opts.B ?? 2, T = Math.min(opts.T ?? cfg.blockSize, cfg.blockSize), reps = opts.reps ?? 2;
  const what = `a probe training step (GPT ${cfg.nLayer}x${cfg.nEmbd}, B=${B}, T=${T})`;
  const cpu = new CpuBackend();
  const ms: MeasuredChoice['ms'] = {};
  try {
    ms.cpu = await timeStep(cpu, cfg, B, T, reps);
  } finally {
    cpu.destroy();
  }
  let device: GPUDevice | null = null;
  let why = '';
  try {
    device = (await opts.openDevice?.()) ?? null;
    if (!device) why = 'no WebGPU device could be opened';
  } catch (err) {
    why = `opening a WebGPU device failed (${(err as Error).message})`;
  }
  if (device) {
    const gpu = new WebGpuBackend(device);
    try {
      ms.webgpu = await timeStep(gpu, cfg, B, T, reps);
    } catch (err) {
      why = `the WebGPU probe failed (${(err as Error).message})`;
    } finally {
      gpu.destroy();
    }
  }
  const f = (v: number) => `${v.toFixed(1)} ms`;
  if (ms.webgpu === undefined) {
    device?.destroy();
    return { backend: 'cpu', reason: `cpu: ${why}; the CPU backend takes ${f(ms.cpu)} for ${what}.`, ms, device: null };
  }
  const gpuWins = ms.webgpu < ms.cpu;
  const [fast, slow] = gpuWins ? [ms.webgpu, ms.cpu] : [ms.cpu, ms.webgpu];
  const reason = `${gpuWins ? 'webgpu' : 'cpu'} is ${(slow / fast).toFixed(1)}x faster on ${what}: cpu ${f(ms.cpu)}, webgpu ${f(ms.webgpu)}.`;
  if (!gpuWins) {
    device?.destroy();
    device = null;
  }
  return { backend: gpuWins ? 'webgpu' : 'cpu', reason, ms, device };
}
