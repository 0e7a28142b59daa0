// The `auto` backend choice, measured rather than guessed: time one small training step (GPT forward +
// backward on a tiny config) on the CPU backend and, when a GPUDevice can be opened, on WebGPU; keep the
// faster and say why with the numbers. On a software adapter (SwiftShader) the CPU wins; on a hardware GPU
// WebGPU usually does. Pure engine code: the device comes from a caller-supplied factory, and is
// destroyed here (the chosen backend opens its own).
// Probe cost: two CPU steps (~10-30 ms) plus pipeline compilation and two steps on WebGPU (~0.3-1 s on
// SwiftShader, mostly one-time shader compilation, which the warm-up step absorbs).
import type { BackendName } from './adapter';
import { CpuBackend } from './cpu';
import type { Backend } from './types';
import { WebGpuBackend } from './webgpu/backend';
import { GPT } from '../model/gpt';
import type { ModelConfig } from '../model/config';
import { initParams } from '../model/params';
import { Rng } from '../rng';

export interface ProbeOptions {
  /** Opens a device to probe (or null when WebGPU is unavailable). */
  openDevice?: () => Promise<GPUDevice | null>;
  /** Timed steps per backend (after one warm-up step); the minimum is kept. */
  reps?: number;
}

/** The measured choice: which backend, why (with the timings), and ms per probe step on each backend timed. */
export interface MeasuredChoice { backend: BackendName; reason: string; ms: Partial<Record<BackendName, number>> }

const PROBE: ModelConfig = { vocabSize: 65, blockSize: 32, nLayer: 2, nHead: 4, nEmbd: 64 };
const B = 2;

/** The fastest of `reps` probe steps after one warm-up, in ms. */
async function timeStep(be: Backend, reps: number): Promise<number> {
  const model = new GPT(be, PROBE, B);
  try {
    model.setParams(initParams(PROBE, new Rng(1)));
    const rng = new Rng(2), T = PROBE.blockSize;
    const ids = Float32Array.from({ length: B * T }, () => rng.int(PROBE.vocabSize));
    const targets = Float32Array.from({ length: B * T }, () => rng.int(PROBE.vocabSize));
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
  const reps = opts.reps ?? 2;
  const what = `a probe training step (GPT ${PROBE.nLayer}x${PROBE.nEmbd}, B=${B}, T=${PROBE.blockSize})`;
  const f = (v: number) => `${v.toFixed(1)} ms`;
  const cpu = new CpuBackend();
  const ms: MeasuredChoice['ms'] = { cpu: await timeStep(cpu, reps).finally(() => cpu.destroy()) };
  let why = 'no WebGPU device could be opened';
  const device = await (opts.openDevice?.() ?? Promise.resolve(null)).catch((err: Error) => ((why = `opening a WebGPU device failed (${err.message})`), null));
  if (device) {
    const gpu = new WebGpuBackend(device);
    ms.webgpu = await timeStep(gpu, reps).catch((err: Error) => ((why = `the WebGPU probe failed (${err.message})`), undefined));
    gpu.destroy();
    device.destroy();
  }
  if (ms.webgpu === undefined) return { backend: 'cpu', reason: `cpu: ${why}; the CPU backend takes ${f(ms.cpu!)} for ${what}.`, ms };
  const gpuWins = ms.webgpu < ms.cpu!;
  const [fast, slow] = gpuWins ? [ms.webgpu, ms.cpu!] : [ms.cpu!, ms.webgpu];
  return { backend: gpuWins ? 'webgpu' : 'cpu', reason: `${gpuWins ? 'webgpu' : 'cpu'} is ${(slow / fast).toFixed(1)}x faster on ${what}: cpu ${f(ms.cpu!)}, webgpu ${f(ms.webgpu)}.`, ms };
}
