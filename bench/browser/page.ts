// The benchmark page (built by Vite, driven by bench/browser/run.ts in headless Chromium): our WebGPU
// kernels against TF.js's WebGPU and WebGL backends on the same adapter, and a training step on webgpu
// vs cpu. Exposes window.ringlabBench; each entry returns plain JSON.
// n = matrix size (M = N = K), B/T/C/H as in src/engine/backend/types.ts.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgl';
import { describeAdapter } from '../../src/engine/backend/adapter';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { openDevice } from '../../src/engine/backend/webgpu/device';
import { selectVariants } from '../../src/engine/backend/webgpu/select';
import { whole, type Backend } from '../../src/engine/backend/types';
import { parseConfig } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { Comm, localGroup } from '../../src/engine/collectives';
import { DistDevice } from '../../src/engine/dist/device';
import { Rng } from '../../src/engine/rng';
import { timeAsync, type PageTiming } from './timing';

type Peer = 'tfjs-webgpu' | 'tfjs-webgl';
export interface Row { name: string; params: Record<string, unknown>; ours: PageTiming; peers: Record<string, PageTiming> }
interface Opts { quick: boolean }

let backend: WebGpuBackend | null = null;
let adapterName = '';

async function ours(): Promise<WebGpuBackend> {
  if (backend) return backend;
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter (is --enable-unsafe-webgpu set?)');
  const s = describeAdapter(adapter);
  adapterName = `${s.vendor} ${s.architecture}${s.isFallback ? ' (fallback)' : ''}`.trim();
  backend = new WebGpuBackend(await openDevice(adapter));
  return backend;
}

const timing = (o: Opts) => (o.quick ? { warmup: 1, runs: 3, maxMs: 2000 } : { warmup: 2, runs: 5, maxMs: 4000 });
const randn = (n: number, seed: number) => new Rng(seed).fillNormal(new Float32Array(n), 1);

async function useTf(name: Peer): Promise<void> {
  if (!(await tf.setBackend(name.replace('tfjs-', '')))) throw new Error(`TF.js backend ${name} failed to initialise`);
  await tf.ready();
}

/** Our matmul (variant chosen by timing) vs TF.js matMul, n x n x n, result read back on both sides. */
async function matmul(sizes: number[], o: Opts): Promise<{ adapter: string; variant: string; select: Record<string, number>; rows: Row[] }> {
  const be = await ours();
  const sel = await selectVariants(be);
  const rows: Row[] = [];
  for (const n of sizes) {
    const a = be.alloc(n * n, 'a'), b = be.alloc(n * n, 'b'), out = be.alloc(n * n, 'out');
    const av = randn(n * n, 1), bv = randn(n * n, 2);
    be.write(a, av);
    be.write(b, bv);
    const mine = await timeAsync(async () => {
      be.dispatch('matmul', { out: whole(out), a: whole(a), b: whole(b), M: n, N: n, K: n, transA: false, transB: false, accumulate: false });
      await be.read(out);
    }, timing(o));
    for (const x of [a, b, out]) be.free(x);
    const peers: Record<string, PageTiming> = {};
    for (const peer of ['tfjs-webgpu', 'tfjs-webgl'] as const) {
      await useTf(peer);
      const ta = tf.tensor2d(av, [n, n]), tb = tf.tensor2d(bv, [n, n]);
      peers[peer] = await timeAsync(async () => {
        const c = tf.matMul(ta, tb);
        await c.data();
        c.dispose();
      }, timing(o));
      ta.dispose();
      tb.dispose();
    }
    rows.push({ name: `square ${n}`, params: { backend: 'webgpu', M: n, N: n, K: n, variant: be.variants.matmul }, ours: mine, peers });
  }
  return { adapter: adapterName, variant: sel.matmul, select: sel.ms, rows };
}

/** TF.js causal attention on [B*H, T, hs] heads: scale, mask, softmax, weighted sum (materialises T x T). */
function tfAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, mask: tf.Tensor2D, scale: number): tf.Tensor {
  return tf.tidy(() => tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), scale), mask)), v));
}

/** attention_fwd (and _bwd, no peer) vs TF.js on the same shapes; GFLOP/s counts 4 B H T^2 hs (both sides). */
async function attention(Ts: number[], o: Opts): Promise<{ adapter: string; variant: string; rows: Row[] }> {
  const be = await ours();
  const sel = await selectVariants(be);
  const rows: Row[] = [];
  const B = 1, C = 128, H = 4, hs = C / H;
  for (const T of Ts) {
    const qkv = be.alloc(B * T * 3 * C, 'qkv'), out = be.alloc(B * T * C, 'out'), lse = be.alloc(B * H * T, 'lse');
    const dqkv = be.alloc(B * T * 3 * C, 'dqkv'), dout = be.alloc(B * T * C, 'dout');
    const qv = randn(B * T * 3 * C, 3);
    be.write(qkv, qv);
    be.write(dout, randn(B * T * C, 4));
    const args = { out: whole(out), lse: whole(lse), qkv: whole(qkv), B, T, C, H };
    const fwd = await timeAsync(async () => {
      be.dispatch('attention_fwd', args);
      await be.read(out);
    }, timing(o));
    const bwd = await timeAsync(async () => {
      be.dispatch('attention_bwd', { dqkv: whole(dqkv), dout: whole(dout), qkv: whole(qkv), out: whole(out), lse: whole(lse), B, T, C, H });
      await be.read(dqkv);
    }, timing(o));
    for (const x of [qkv, out, lse, dqkv, dout]) be.free(x);
    // The same q, k, v as [H, T, hs] tensors (B = 1).
    const heads = (part: number) => {
      const h = new Float32Array(H * T * hs);
      for (let t = 0; t < T; t++) for (let i = 0; i < H; i++) for (let c = 0; c < hs; c++) h[(i * T + t) * hs + c] = qv[t * 3 * C + part * C + i * hs + c];
      return h;
    };
    const peers: Record<string, PageTiming> = {};
    for (const peer of ['tfjs-webgpu', 'tfjs-webgl'] as const) {
      await useTf(peer);
      const [q, k, v] = [0, 1, 2].map((p) => tf.tensor3d(heads(p), [H, T, hs]));
      const mask = tf.tensor2d(Float32Array.from({ length: T * T }, (_, i) => ((i % T) > Math.floor(i / T) ? -1e9 : 0)), [T, T]);
      peers[peer] = await timeAsync(async () => {
        const r = tfAttention(q, k, v, mask, 1 / Math.sqrt(hs));
        await r.data();
        r.dispose();
      }, timing(o));
      tf.dispose([q, k, v, mask]);
    }
    rows.push({ name: `attention fwd T=${T}`, params: { backend: 'webgpu', B, T, C, H, variant: be.variants.attention }, ours: fwd, peers });
    rows.push({ name: `attention bwd T=${T}`, params: { backend: 'webgpu', B, T, C, H }, ours: bwd, peers: {} });
  }
  return { adapter: adapterName, variant: sel.attention, rows };
}

/** One training step (a one-device DistDevice, what a one-device run steps) on webgpu vs cpu, same config and data. */
async function train(o: Opts): Promise<{ adapter: string; rows: Row[] }> {
  const be = await ours();
  await selectVariants(be);
  const cfg = parseConfig({ nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 64, microBatch: 8, accum: 1, steps: 1000, evalEvery: 0, data: 'bench' });
  const text = Array.from({ length: 2000 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog. `).join('');
  const data = makeDataset('bench', text);
  let perStep = { readbacks: 0, submits: 0, dispatches: 0 };
  const run = async (b: Backend) => {
    const t = new DistDevice(b, cfg, new Comm(localGroup(1)[0]), { train: data.train, val: data.val, vocabSize: data.tokenizer.vocabSize });
    const r = await timeAsync(() => t.trainStep(), o.quick ? { warmup: 1, runs: 3, maxMs: 3000 } : { warmup: 2, runs: 5, maxMs: 8000 });
    if (b === be) {
      be.resetCounters(); // one more step, counted on its own
      await t.trainStep();
      const c = be.resetCounters();
      perStep = { readbacks: c.readbacks, submits: c.submits, dispatches: c.dispatches };
    }
    t.destroy();
    return r;
  };
  const gpu = await run(be);
  const cpu = await run(new CpuBackend());
  const params = { backend: 'webgpu', nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 64, microBatch: 8, readbacks_per_step: perStep.readbacks, submits_per_step: perStep.submits, dispatches_per_step: perStep.dispatches };
  return { adapter: adapterName, rows: [{ name: 'train step 2x64, B=8, T=64', params, ours: gpu, peers: { 'ringlab-cpu': cpu } }] };
}

declare global {
  interface Window { ringlabBench: { matmul: typeof matmul; attention: typeof attention; train: typeof train } }
}
window.ringlabBench = { matmul, attention, train };
document.getElementById('log')!.textContent = 'ready';
