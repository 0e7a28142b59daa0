// Text sampling from trained weights, off the main thread: one forward pass per character on the CPU
// backend (a short demo string; no KV cache, so it costs count x a forward over up to T tokens).
// Legend: T = blockSize, V = vocabulary size, P = parameters.
import * as Comlink from 'comlink';
import { CharTokenizer } from '../engine/data/tokenizer';
import { sampleWeights } from '../engine/generate';
import type { ModelConfig } from '../engine/model/config';
import { parentEndpoint } from './port';

export interface SampleRequest {
  model: ModelConfig;
  /** The tokenizer's vocabulary (V characters). */
  chars: string[];
  /** P weights in paramSpecs order. */
  params: Float32Array;
  count: number;
  seed: number;
}

const api = {
  /** `count` characters continued from an empty prompt (temperature 0.8, top-k 20, seeded). */
  sample: (r: SampleRequest): Promise<string> => sampleWeights(r.model, new CharTokenizer(r.chars), r.params, r.count, r.seed),
};

export type SampleApi = typeof api;
Comlink.expose(api, parentEndpoint());
