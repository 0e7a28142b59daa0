// `npm run bench -- train`: one full training step (forward, backward, clip, AdamW) on the CPU backend, as
// step time and tokens/s, against the same GPT step written with TF.js ops (bench/suites/train-tfjs-gpt.ts)
// on its WASM backend (XNNPACK, SIMD; threads as reported) and on its CPU backend (plain JS), same shapes,
// same initial weights, checked to give the same loss, same run. Each peer is timed in turns with our step
// (one call each per round), so load on a shared machine hits both alike; each case carries its own
// interleaved timing of ours.
// Legend: B = micro-batch, T = blockSize, C = nEmbd, L = nLayer, V = vocabulary; tokens/step = B*T.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { machine, ratio, timeInterleaved, type BenchCase, type BenchOptions, type BenchReport, type Timing } from '../lib';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { modelConfigOf, parseConfig, type RunConfig } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { Comm, localGroup } from '../../src/engine/collectives';
import { DistDevice } from '../../src/engine/dist/device';
import { brownText } from '../../src/cli/corpus';
import { registerTfGradients, tfGpt } from './train-tfjs-gpt';

const withTokens = (t: Timing, tokens: number): Timing => ({ ...t, tokens_per_s: (tokens * 1000) / t.median_ms });

type Peer = 'wasm' | 'cpu';

async function measure(cfg: RunConfig, text: string, quick: boolean, peers: Peer[]): Promise<BenchCase[]> {
  const data = makeDataset('brown', text);
  const backend = new CpuBackend();
  const trainer = new DistDevice(backend, cfg, new Comm(localGroup(1)[0]), { train: data.train, val: data.val, vocabSize: data.tokenizer.vocabSize });
  const tokens = cfg.microBatch * cfg.blockSize;
  const mc = modelConfigOf(cfg, data.tokenizer.vocabSize);
  const ids = new Int32Array(tokens), targets = new Int32Array(tokens);
  trainer.sampler.globalBatch(0).forEach((o, b) => {
    for (let t = 0; t < cfg.blockSize; t++) {
      ids[b * cfg.blockSize + t] = data.train[o + t];
      targets[b * cfg.blockSize + t] = data.train[o + t + 1];
    }
  });
  const params = { backend: 'cpu', kernels: backend.kernels, B: cfg.microBatch, T: cfg.blockSize, C: cfg.nEmbd, L: cfg.nLayer, H: cfg.nHead, V: mc.vocabSize, params: trainer.replica.numParams };
  const name = `train step L${cfg.nLayer} C${cfg.nEmbd} T${cfg.blockSize} B${cfg.microBatch}`;
  const cases: BenchCase[] = [];
  for (const p of peers) {
    if (!(await tf.setBackend(p))) throw new Error(`TF.js ${p} backend failed to initialise`);
    await tf.ready();
    // the peer starts from our current weights and trains on the sampler's first batch
    const peer = tfGpt(mc, trainer.replica.model.specs, await trainer.replica.getParams(), cfg, p === 'wasm' ? 'onehot' : 'gather');
    // same weights, same batch: the peer's loss must equal ours (f32 summation order differs: 1e-4)
    const mine = (await trainer.replica.model.forwardLoss(Float32Array.from(ids), Float32Array.from(targets), cfg.microBatch, cfg.blockSize)) / tokens;
    const first = peer.step(ids, targets, cfg.microBatch, cfg.blockSize);
    if (!(Math.abs(first - mine) < 1e-4)) throw new Error(`tfjs-${p} peer: loss ${first} differs from ours ${mine} on the same weights and batch`);
    const slow = p === 'cpu'; // TF.js CPU steps take seconds: fewer rounds
    const opts = quick ? { warmup: 1, minRuns: 3, minMs: 200, maxRuns: slow ? 3 : 10 }
      : { warmup: slow ? 1 : 2, minRuns: slow ? 5 : 15, minMs: 3000, maxRuns: slow ? 7 : 40 };
    const [ours, theirs] = await timeInterleaved([() => trainer.trainStep(), () => peer.step(ids, targets, cfg.microBatch, cfg.blockSize)], opts);
    peer.dispose();
    const extra: Record<string, number> = p === 'wasm' ? { threads: getThreadsCount() } : {};
    const peerT = { name: `tfjs-${p}`, ...withTokens(theirs, tokens), loss_check: Math.abs(first - mine), ...extra };
    cases.push({ name: `${name} vs tfjs-${p}`, params, ours: withTokens(ours, tokens), peer: peerT, ratio: ratio(ours, theirs) });
  }
  trainer.destroy();
  return cases;
}

export default async function run(opts: BenchOptions): Promise<BenchReport> {
  if (opts.backend !== 'cpu') throw new Error('bench train: this suite measures the cpu backend (--backend cpu)');
  // Node: the WASM backend reads its .wasm files from disk through this prefix (a path with a trailing slash).
  setWasmPaths(join(import.meta.dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  if (!(await tf.setBackend('cpu'))) throw new Error('TF.js cpu backend failed to initialise');
  await tf.ready();
  await registerTfGradients();
  const text = brownText();
  const configs = [parseConfig({})];
  if (!opts.quick) configs.push(parseConfig({ nLayer: 4, nEmbd: 128, blockSize: 128, microBatch: 8 }));
  const cases: BenchCase[] = [];
  for (const c of configs) cases.push(...(await measure(c, text, opts.quick, ['wasm', 'cpu'])));
  return { suite: 'train', machine: machine(), cases };
}
