// `npm run bench -- matmul`: the CPU backend's matmul (WebAssembly SIMD, src/engine/wasm/matmul.wat, on
// buffers in its wasm heap) against TF.js's WASM backend (XNNPACK, SIMD), TF.js's CPU backend, our plain-TS
// twin (src/engine/ops/matmul.ts, what runs without WebAssembly SIMD) and a naive triple loop, same shapes.
// Each peer is timed in turns with ours (per round: one untimed then one timed call each, so each timed
// call finds its own operands in cache), so load on a shared machine hits both alike; each case carries
// its own interleaved timing of ours. Shapes: square, and the three forms a
// linear layer of the GPT uses (C = 128, 4C = 512, R = B*T = 512 rows, weights in nn.Linear layout):
//   forward  y = x @ W^T   (transB)          M = R,  N = 4C, K = C
//   dx       dx = dy @ W                      M = R,  N = C,  K = 4C
//   dW       dW += dy^T @ x (transA, +=)      M = 4C, N = C,  K = R   (TF.js: the product only, no +=)
// For the GPT shapes, `wasm-with-copies` is our kernel on operands kept outside its memory, copied in and
// out on every call: what the CPU backend would pay without its buffers in the wasm heap (docs/cpu.md).
// M, N, K = rows of op(a), columns of op(b), inner dimension; GFLOP/s = 2 M N K / time.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { machine, ratio, timeInterleaved, type BenchCase, type BenchOptions, type BenchReport, type Timing } from '../lib';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { whole } from '../../src/engine/backend/types';
import { matmul, matmulNaive } from '../../src/engine/ops/matmul';
import { Rng } from '../../src/engine/rng';

interface Shape { name: string; M: number; N: number; K: number; transA: boolean; transB: boolean; accumulate: boolean }

const sq = (n: number): Shape => ({ name: `square ${n}`, M: n, N: n, K: n, transA: false, transB: false, accumulate: false });
const shapes: Shape[] = [
  sq(128), sq(256), sq(512),
  { name: 'gpt fwd x@W^T 512x128->512', M: 512, N: 512, K: 128, transA: false, transB: true, accumulate: false },
  { name: 'gpt dx dy@W 512x512->128', M: 512, N: 128, K: 512, transA: false, transB: false, accumulate: false },
  { name: 'gpt dW += dy^T@x 512x512x128', M: 512, N: 128, K: 512, transA: true, transB: false, accumulate: true },
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
  // warm: each timed call directly follows an untimed one of the same function (its operands in cache)
  const timeOpts = opts.quick ? { warmup: 1, minRuns: 3, minMs: 100, maxRuns: 20, warm: true } : { warmup: 3, minRuns: 15, minMs: 1000, maxRuns: 200, warm: true };
  const list = opts.quick ? shapes.filter((s) => s.M <= 256 || s.name.startsWith('gpt fwd')) : shapes;
  const be = new CpuBackend();
  const cases: BenchCase[] = [];
  const rng = new Rng(1);
  for (const s of list) {
    const a = rng.fillNormal(new Float32Array(s.M * s.K), 1);
    const b = rng.fillNormal(new Float32Array(s.K * s.N), 1);
    const out = new Float32Array(s.M * s.N);
    const [ba, bb, bo] = [a, b, out].map((x) => {
      const buf = be.alloc(x.length);
      be.write(buf, x);
      return buf;
    });
    const params = { backend: 'cpu', kernels: be.kernels, M: s.M, N: s.N, K: s.K, transA: s.transA, transB: s.transB, accumulate: s.accumulate };
    const ours = () => be.dispatch('matmul', { out: whole(bo), a: whole(ba), b: whole(bb), M: s.M, N: s.N, K: s.K, transA: s.transA, transB: s.transB, accumulate: s.accumulate });
    // the same wasm kernel on operands outside its memory: copy a, b (and out, to accumulate) in, the result out
    const copies = () => {
      be.data(ba).set(a);
      be.data(bb).set(b);
      if (s.accumulate) be.data(bo).set(out);
      ours();
      out.set(be.data(bo));
    };
    const peers: { name: string; fn: () => unknown; setup?: () => Promise<() => void>; extra?: () => Record<string, number>; slow?: boolean }[] = [
      ...(s.name.startsWith('gpt') ? [{ name: 'wasm-with-copies', fn: copies }] : []),
      { name: 'ts-twin', fn: () => matmul(out, a, b, undefined, s.M, s.N, s.K, s.transA, s.transB, s.accumulate) },
      { name: 'naive-js', fn: () => matmulNaive(out, a, b, undefined, s.M, s.N, s.K, s.transA, s.transB, s.accumulate), slow: true },
    ];
    for (const backend of ['cpu', 'wasm'] as const) {
      let fn: () => unknown = () => undefined;
      peers.push({
        name: `tfjs-${backend}`,
        fn: () => fn(),
        setup: async () => {
          await useTf(backend);
          const ta = tf.tensor2d(a, s.transA ? [s.K, s.M] : [s.M, s.K]);
          const tb = tf.tensor2d(b, s.transB ? [s.N, s.K] : [s.K, s.N]);
          fn = () => {
            const c = tf.matMul(ta, tb, s.transA, s.transB);
            c.dataSync(); // forces execution and the copy out, as our call ends with the result in memory
            c.dispose();
          };
          return () => tf.dispose([ta, tb]);
        },
        extra: backend === 'wasm' ? () => ({ threads: getThreadsCount() }) : undefined,
        slow: backend === 'cpu',
      });
    }
    for (const p of peers) {
      const teardown = p.setup ? await p.setup() : () => undefined;
      const o = p.slow ? { ...timeOpts, minRuns: Math.min(timeOpts.minRuns, 5), maxRuns: Math.min(timeOpts.maxRuns, 10) } : timeOpts;
      const [mine, theirs] = await timeInterleaved([ours, p.fn], o);
      teardown();
      const peer = { name: p.name, ...withGflops(theirs, s), ...(p.extra?.() ?? {}) };
      cases.push({ name: `${s.name} vs ${p.name}`, params, ours: withGflops(mine, s), peer, ratio: ratio(mine, theirs) });
    }
    [ba, bb, bo].forEach((x) => be.free(x));
  }
  return { suite: 'matmul', machine: machine(), cases };
}
