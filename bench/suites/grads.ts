// `npm run bench -- grads [--backend cpu|webgpu] [--quick]`: what fp16 gradients cost against fp32, per
// device, measured on the path `npm run train` takes (one device in this thread, several in one
// worker_thread each, every backend metered): the peak bytes the backend held for gradients in a step
// (`grads_peak_bytes`, buffers labelled grads*) and the bytes read back to the host per step
// (`readback_bytes_per_step`: losses, gradient statistics and, with peers, the gradients for the
// allreduce). Not a speed contest: step times are reported beside them (medians of the steps after
// the first), and `ratio` = fp32 step time / fp16 step time. The memory and readback ratios are the
// numbers (goal: fp16 <= 0.55x fp32).
// Legend: L = layers, C = channels, T = blockSize, B = micro-batch, N = devices, V = vocabulary (Brown, 83),
// P = parameters.
import { machine, median, type BenchCase, type BenchOptions, type BenchReport, type Timing } from '../lib';
import { loadData } from '../../src/cli/data';
import { nodeRunEnv } from '../../src/cli/node-run';
import { modelConfigOf, parseConfig, type RunConfigInput } from '../../src/engine/config';
import { f16Room } from '../../src/engine/model/grads';
import { numParams } from '../../src/engine/model/params';
import { startRun } from '../../src/run/driver';
import type { StepMetrics } from '../../src/run/metrics';
import { releaseNodeGpu } from '../../src/workers/node-gpu';

type Data = ReturnType<typeof loadData>;

/** Steps of one run; device 0's measured gradient bytes and readback of the last step, step times. */
async function measure(over: RunConfigInput, data: Data, steps: number): Promise<Timing> {
  const cfg = parseConfig({ evalEvery: 0, evalWindows: 1, warmup: 0, steps, ...over });
  const out: StepMetrics[] = [];
  for await (const ev of startRun(cfg, data, nodeRunEnv(cfg))) {
    if (ev.type === 'step') out.push(ev.metrics);
    if (ev.type === 'failed') throw new Error(`bench grads: ${ev.failure.message}`);
  }
  const ms = out.slice(1).map((m) => m.msStep); // the first step compiles and warms up
  const last = out[out.length - 1];
  return { median_ms: median(ms), min_ms: Math.min(...ms), runs: ms.length, grads_peak_bytes: last.memory[0].peak.grads, readback_bytes_per_step: last.readbackBytes[0] };
}

export default async function run(opts: BenchOptions): Promise<BenchReport> {
  const data = loadData('brown');
  const V = data.tokenizer.vocabSize;
  const shapes: RunConfigInput[] = [{}];
  if (!opts.quick) shapes.push({ nLayer: 4, nEmbd: 128, blockSize: 128, microBatch: 8 });
  const steps = opts.quick ? 3 : 5;
  const cases: BenchCase[] = [];
  try {
    for (const shape of shapes) {
      for (const devices of [1, 2]) {
        const base = { ...shape, devices, backend: opts.backend as 'cpu' | 'webgpu' };
        const f32 = await measure({ ...base, precision: 'fp32' }, data, steps);
        const f16 = await measure({ ...base, precision: 'fp16' }, data, steps);
        const c = parseConfig(base), mc = modelConfigOf(c, V);
        const ours: Timing = {
          ...f16,
          grads_vs_fp32: (f16.grads_peak_bytes as number) / (f32.grads_peak_bytes as number),
          readback_vs_fp32: (f16.readback_bytes_per_step as number) / (f32.readback_bytes_per_step as number),
        };
        cases.push({
          name: `fp16 vs fp32 gradients L${c.nLayer} C${c.nEmbd} T${c.blockSize} B${c.microBatch} N${devices}`,
          params: { backend: opts.backend, L: c.nLayer, C: c.nEmbd, T: c.blockSize, B: c.microBatch, N: devices, V, params: numParams(mc), fp16_scratch_elems: f16Room(mc) },
          ours,
          peer: { name: 'fp32', ...f32 },
          ratio: f32.median_ms / f16.median_ms,
        });
        console.error(`${cases.at(-1)!.name}: grads ${ours.grads_peak_bytes} vs ${f32.grads_peak_bytes} (${(ours.grads_vs_fp32 as number).toFixed(3)}x), readback ${ours.readback_bytes_per_step} vs ${f32.readback_bytes_per_step} (${(ours.readback_vs_fp32 as number).toFixed(3)}x)`);
      }
    }
  } finally {
    if (opts.backend === 'webgpu') releaseNodeGpu();
  }
  return { suite: 'grads', machine: machine(), cases };
}
