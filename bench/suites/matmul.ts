// `npm run bench -- matmul`: our CPU matmul (src/engine/ops/matmul.ts, packed 4x4 register tiles) against a
// naive triple loop, TF.js's CPU backend and TF.js's WASM backend (XNNPACK), same shapes, same run.
// M, N, K = rows of op(a), columns of op(b), inner dimension; GFLOP/s = 2 M N K / time.
// Each case row pairs our timing with one peer; `ratio` = peer median / our median (above 1: we are faster).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { machine, ratio, time, type BenchCase, type BenchOptions, type BenchReport, type Timing } from '../lib';
import { matmul, matmulNaive } from '../../src/engine/ops/matmul';
import { Rng } from '../../src/engine/rng';

interface Shape { name: string; M: number; N: number; K: number; transB: boolean }

const shapes: Shape[] = [
  { name: 'square 128', M: 128, N: 128, K: 128, transB: false },
  { name: 'square 256', M: 256, N: 256, K: 256, transB: false },
  { name: 'square 512', M: 512, N: 512, K: 512, transB: false },
  // the GPT's c_fc-like shape: B*T = 512 rows, C = 128 in, 4C = 512 out, weights in nn.Linear layout
  { name: 'gpt x@W^T 512x128->512', M: 512, N: 512, K: 128, transB: true },
];

const withGflops = (t: Timing, s: Shape): Timing => ({ ...t, gflops: (2 * s.M * s.N * s.K) / (t.median_ms * 1e6) });

async function useTf(name: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend ${name} failed to initialise`);
  await tf.ready();
}

export default async function run(opts: BenchOptions): Promise<BenchReport> {
  if (opts.backend !== 'cpu') throw new Error(`bench matmul: this suite measures the cpu backend; the webgpu side lives in matmul-webgpu`);
  // Node: the WASM backend reads its .wasm files from disk through this prefix (a path with a trailing slash).
  setWasmPaths(join(import.meta.dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  const timeOpts = opts.quick ? { warmup: 1, minRuns: 3, minMs: 100, maxRuns: 20 } : { warmup: 3, minRuns: 7, minMs: 500, maxRuns: 100 };
  const list = opts.quick ? shapes.filter((s) => s.M <= 256 || s.transB) : shapes;
  const cases: BenchCase[] = [];
  const rng = new Rng(1);
  for (const s of list) {
    const a = rng.fillNormal(new Float32Array(s.M * s.K), 1);
    const b = rng.fillNormal(new Float32Array(s.K * s.N), 1);
    const out = new Float32Array(s.M * s.N);
    const params = { backend: 'cpu', M: s.M, N: s.N, K: s.K, transA: false, transB: s.transB };
    const ours = withGflops(await time(() => matmul(out, a, b, undefined, s.M, s.N, s.K, false, s.transB, false), timeOpts), s);
    const naive = withGflops(await time(() => matmulNaive(out, a, b, undefined, s.M, s.N, s.K, false, s.transB, false), { ...timeOpts, minRuns: 3, maxRuns: 10 }), s);
    const peers: (Timing & { name: string })[] = [{ name: 'naive-js', ...naive }];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useTf(backend);
      const ta = tf.tensor2d(a, [s.M, s.K]);
      const tb = tf.tensor2d(b, s.transB ? [s.N, s.K] : [s.K, s.N]);
      const t = await time(() => {
        const c = tf.matMul(ta, tb, false, s.transB);
        c.dataSync(); // forces execution and the copy out, as our call ends with the result in memory
        c.dispose();
      }, timeOpts);
      tf.dispose([ta, tb]);
      peers.push({ name: `tfjs-${backend}`, ...withGflops(t, s), ...(backend === 'wasm' ? { threads: getThreadsCount() } : {}) });
    }
    for (const peer of peers) cases.push({ name: `${s.name} vs ${peer.name}`, params, ours, peer, ratio: ratio(ours, peer) });
  }
  return { suite: 'matmul', machine: machine(), cases };
}
