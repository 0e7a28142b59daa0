// `npm run bench -- attention [--backend webgpu]`: our fused causal attention (forward, and the backward
// that recomputes probabilities from the saved log-sum-exp) vs TF.js's WebGPU and WebGL backends in
// headless Chromium; plus one whole training step on webgpu vs cpu. B=1, C=128, H=4, T = 128/256/512
// (--quick: 128/256). GFLOP/s counts 4 B H T^2 hs for the forward on both sides (the causal half is
// skipped by our kernels; TF.js computes the full masked matrix), 8 B H T^2 hs for our backward.
import { machine, type BenchOptions, type BenchReport } from '../lib';
import { casesOf, inChromium } from '../browser/run';
import type { Row } from '../browser/page';

export default async function run(opts: BenchOptions): Promise<BenchReport> {
  if (opts.backend !== 'webgpu') throw new Error(`bench attention: measures the webgpu backend (the cpu training step is its peer); got --backend ${opts.backend}`);
  const Ts = opts.quick ? [128, 256] : [128, 256, 512];
  const a = await inChromium<{ adapter: string; variant: string; rows: Row[] }>('attention', Ts, { quick: opts.quick });
  const t = await inChromium<{ adapter: string; rows: Row[] }>('train', { quick: opts.quick });
  if (!opts.json) console.log(`attention variant chosen by timing: ${a.variant}`);
  const flops = (r: Row): number | null => {
    const { B, T, C, H } = r.params as Record<string, number>;
    if (!T || !C) return null;
    return (r.name.includes('bwd') ? 8 : 4) * B * H * T * T * (C / H);
  };
  return { suite: 'attention', machine: machine(`${a.adapter} (Chromium)`), cases: [...casesOf(a.rows, flops), ...casesOf(t.rows, () => null)] };
}
