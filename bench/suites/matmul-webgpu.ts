// `npm run bench -- matmul --backend webgpu` (also `matmul-webgpu`): our WebGPU matmul against TF.js's
// WebGPU and WebGL backends in headless Chromium, same adapter, sizes 128/256/512 (--quick: 128/256).
// GFLOP/s = 2 n^3 / time; each timed call ends with a readback of the result on both sides.
import { machine, type BenchOptions, type BenchReport } from '../lib';
import { casesOf, inChromium } from '../browser/run';
import type { Row } from '../browser/page';

export default async function run(opts: BenchOptions): Promise<BenchReport> {
  const sizes = opts.quick ? [128, 256] : [128, 256, 512];
  const r = await inChromium<{ adapter: string; variant: string; select: Record<string, number>; rows: Row[] }>('matmul', sizes, { quick: opts.quick });
  const sel = Object.entries(r.select).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ');
  if (!opts.json) console.log(`matmul variant chosen by timing: ${r.variant} (${sel})`);
  return { suite: 'matmul', machine: machine(`${r.adapter} (Chromium)`), cases: casesOf(r.rows, (row) => 2 * Number(row.params.M) ** 3) };
}
