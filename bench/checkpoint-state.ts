// A random full training state for the checkpoint benchmarks (disk in Node, IndexedDB in Chromium):
// weights and AdamW m, v of the model the settings describe, normal(0, 0.02), seeded so every run
// writes the same bytes. Legend: V = vocabulary (83, Brown's), P = parameters.
import { slotNames, type TrainingState } from '../src/engine/checkpoint';
import type { RunConfig } from '../src/engine/config';
import { CharTokenizer } from '../src/engine/data/tokenizer';
import { numParams } from '../src/engine/model/params';
import { Rng } from '../src/engine/rng';

export const BENCH_VOCAB = 83;
const vocab = CharTokenizer.fromText(Array.from({ length: BENCH_VOCAB }, (_, i) => String.fromCharCode(40 + i)).join('')).toJSON();

/** A state of `config`'s model with random tensors, at step 1. */
export function randomState(config: RunConfig, dataHash = 'ab'.repeat(32)): TrainingState {
  const P = numParams({ vocabSize: BENCH_VOCAB, blockSize: config.blockSize, nLayer: config.nLayer, nHead: config.nHead, nEmbd: config.nEmbd });
  const rng = new Rng(1);
  const arr = () => {
    const a = new Float32Array(P);
    rng.fillNormal(a, 0.02);
    return a;
  };
  return {
    config, vocab, dataHash, step: 1, tokens: 512, params: arr(), ema: null,
    optimizer: { name: config.optimizer, t: 1, shards: [{ lo: 0, hi: P, slots: slotNames(config).map(arr) }] },
    scaler: { scale: 1, growthTracker: 0 }, history: [], savedAt: Date.now(),
  };
}
