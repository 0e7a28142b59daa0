// Text sampling from trained weights, off the main thread: one forward pass per character on the CPU
// backend (a short demo string; no KV cache, so it costs count x a forward over up to T tokens).
// Legend: T = blockSize, V = vocabulary size, P = parameters.
import * as Comlink from 'comlink';
import { CpuBackend } from '../engine/backend/cpu';
import { CharTokenizer } from '../engine/data/tokenizer';
import { generate } from '../engine/generate';
import type { ModelConfig } from '../engine/model/config';
import { GPT } from '../engine/model/gpt';
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
  async sample(r: SampleRequest): Promise<string> {
    const model = new GPT(new CpuBackend(), r.model, 1);
    try {
      model.setParams(r.params);
      return await generate(model, new CharTokenizer(r.chars), '', r.count, { temperature: 0.8, topK: 20, seed: r.seed });
    } finally {
      model.destroy();
    }
  },
};

export type SampleApi = typeof api;
Comlink.expose(api, parentEndpoint());
