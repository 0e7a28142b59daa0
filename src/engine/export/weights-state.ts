// A training state for a run that kept only its weights (final.safetensors: weights, vocabulary and the
// run's settings in __metadata__, no optimizer state): AdamW starts afresh (m = v = 0, t = 0, exactly a
// new torch AdamW), the loss scale at its initial value, EMA (if the run had one) at the weights. The
// step is the caller's: the file does not record it (metrics.jsonl does).
// Legend: P = parameters.

import type { TrainingState } from '../checkpoint/manifest';
import { globalBatch, type RunConfig } from '../config';
import type { CharTokenizer } from '../data/tokenizer';

/** A state at `step` with weights `params` [P] and a fresh optimizer; `dataHash` = hashTokens(train). */
export function stateFromWeights(config: RunConfig, tokenizer: CharTokenizer, params: Float32Array, step: number, dataHash: string): TrainingState {
  const P = params.length;
  return {
    config, vocab: tokenizer.toJSON(), dataHash, step,
    tokens: step * globalBatch(config) * config.blockSize,
    params: params.slice(),
    ema: config.emaDecay > 0 ? params.slice() : null,
    optimizer: { name: config.optimizer, t: 0, shards: [{ lo: 0, hi: P, slots: config.optimizer === 'adamw' ? [new Float32Array(P), new Float32Array(P)] : config.momentum > 0 ? [new Float32Array(P)] : [] }] },
    scaler: { scale: config.precision === 'fp16' ? config.lossScale : 1, growthTracker: 0 },
    history: [],
    savedAt: Date.now(),
  };
}
