// `npm run bench -- train`: one full training step (forward, backward, clip, AdamW) of the default
// config on the CPU backend, as step time and tokens/s, against the same GPT step written with TF.js
// on its CPU backend (tfjs-core + tfjs-backend-cpu), same shapes and same initial weights, same run.
// Legend: B = micro-batch, T = blockSize, C = nEmbd, L = nLayer, V = vocabulary; tokens/step = B*T.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { machine, ratio, time, type BenchCase, type BenchOptions, type BenchReport, type Timing } from '../lib';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { modelConfigOf, parseConfig, type RunConfig } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { Comm, localGroup } from '../../src/engine/collectives';
import { DistDevice } from '../../src/engine/dist/device';
import { brownText } from '../../src/cli/corpus';
import { registerTfGradients, tfGpt } from './train-tfjs-gpt';

const withTokens = (t: Timing, tokens: number): Timing => ({ ...t, tokens_per_s: (tokens * 1000) / t.median_ms });

async function measure(cfg: RunConfig, text: string, quick: boolean): Promise<BenchCase[]> {
  const data = makeDataset('brown', text);
  const trainer = new DistDevice(new CpuBackend(), cfg, new Comm(localGroup(1)[0]), { train: data.train, val: data.val, vocabSize: data.tokenizer.vocabSize });
  const tokens = cfg.microBatch * cfg.blockSize;
  const timeOpts = quick ? { warmup: 1, minRuns: 3, minMs: 200, maxRuns: 10 } : { warmup: 2, minRuns: 10, minMs: 2000, maxRuns: 60 };
  const ours = withTokens(await time(() => trainer.trainStep(), timeOpts), tokens);

  // the peer starts from the same weights and trains on the same batch (the sampler's first)
  const mc = modelConfigOf(cfg, data.tokenizer.vocabSize);
  const peer = tfGpt(mc, trainer.replica.model.specs, await trainer.replica.getParams(), cfg);
  const ids = new Int32Array(tokens), targets = new Int32Array(tokens);
  const offsets = trainer.sampler.globalBatch(0);
  offsets.forEach((o, b) => {
    for (let t = 0; t < cfg.blockSize; t++) {
      ids[b * cfg.blockSize + t] = data.train[o + t];
      targets[b * cfg.blockSize + t] = data.train[o + t + 1];
    }
  });
  // same weights, same batch: the peer's loss must equal ours (f32 summation order differs: 1e-4)
  const mine = (await trainer.replica.model.forwardLoss(Float32Array.from(ids), Float32Array.from(targets), cfg.microBatch, cfg.blockSize)) / tokens;
  const first = peer.step(ids, targets, cfg.microBatch, cfg.blockSize);
  if (!(Math.abs(first - mine) < 1e-4)) throw new Error(`tfjs peer: loss ${first} differs from ours ${mine} on the same weights and batch`);
  const tfTime = withTokens(await time(() => peer.step(ids, targets, cfg.microBatch, cfg.blockSize), { ...timeOpts, minRuns: quick ? 2 : 5, maxRuns: quick ? 4 : 20 }), tokens);
  peer.dispose();
  trainer.destroy();
  const params = { backend: 'cpu', B: cfg.microBatch, T: cfg.blockSize, C: cfg.nEmbd, L: cfg.nLayer, H: cfg.nHead, V: mc.vocabSize, params: trainer.replica.numParams };
  return [{ name: `train step L${cfg.nLayer} C${cfg.nEmbd} T${cfg.blockSize} B${cfg.microBatch}`, params, ours, peer: { name: 'tfjs-cpu', ...tfTime }, ratio: ratio(ours, tfTime) }];
}

export default async function run(opts: BenchOptions): Promise<BenchReport> {
  if (opts.backend !== 'cpu') throw new Error('bench train: this suite measures the cpu backend (--backend cpu)');
  if (!(await tf.setBackend('cpu'))) throw new Error('TF.js cpu backend failed to initialise');
  await tf.ready();
  await registerTfGradients();
  const text = brownText();
  const configs = [parseConfig({})];
  if (!opts.quick) configs.push(parseConfig({ nLayer: 4, nEmbd: 128, blockSize: 128, microBatch: 8 }));
  const cases: BenchCase[] = [];
  for (const c of configs) cases.push(...(await measure(c, text, opts.quick)));
  return { suite: 'train', machine: machine(), cases };
}
