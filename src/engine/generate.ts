// Text sampling from the model: temperature, top-k, seeded. The context is cropped to the last
// blockSize tokens, as nanoGPT's generate(). One forward pass per new token (no KV cache: the model
// recomputes the whole context, T^2 attention each time, fine for short demos).
// Legend: V = vocabulary, T = context length (<= blockSize).

import { CpuBackend } from './backend/cpu';
import type { CharTokenizer } from './data/tokenizer';
import type { ModelConfig } from './model/config';
import { GPT } from './model/gpt';
import { Rng } from './rng';

export interface SampleOptions {
  /** Divide logits by this before softmax (0 = greedy argmax). */
  temperature: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK: number;
  seed: number;
}

/** Index sampled from logits[V] with temperature and top-k, using rng. */
export function sampleLogits(logits: Float32Array, o: Pick<SampleOptions, 'temperature' | 'topK'>, rng: Rng): number {
  const V = logits.length;
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
  if (o.temperature <= 0) return best;
  let cutoff = -Infinity;
  if (o.topK > 0 && o.topK < V) cutoff = Float32Array.from(logits).sort()[V - o.topK]; // k-th largest
  const p = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) {
    if (logits[i] < cutoff) continue;
    p[i] = Math.exp((logits[i] - logits[best]) / o.temperature);
    z += p[i];
  }
  let u = rng.next() * z;
  for (let i = 0; i < V; i++) {
    u -= p[i];
    if (u < 0 && p[i] > 0) return i;
  }
  return best; // rounding left u >= 0: the most likely token
}

/** Continue `prompt` by `count` characters. */
export async function generate(model: GPT, tok: CharTokenizer, prompt: string, count: number, o: SampleOptions): Promise<string> {
  if (!(o.temperature >= 0) || !(Number.isInteger(o.topK) && o.topK >= 0)) throw new RangeError('temperature must be >= 0 and topK a non-negative integer');
  const rng = new Rng(o.seed);
  // an empty prompt starts from a newline (or the first character), which is not returned
  const ids = Array.from(tok.encode(prompt || (tok.chars.includes('\n') ? '\n' : tok.chars[0])));
  const n0 = ids.length;
  for (let n = 0; n < count; n++) {
    const ctx = ids.slice(-model.cfg.blockSize);
    const logits = await model.logitsLast(Float32Array.from(ctx), 1, ctx.length);
    ids.push(sampleLogits(logits, o, rng));
  }
  return prompt + tok.decode(ids.slice(n0));
}

/** `count` characters continued from an empty prompt by the weights `params` (P values in paramSpecs
 *  order), on a CPU backend of its own: temperature 0.8, top-k 20, seeded. */
export async function sampleWeights(cfg: ModelConfig, tok: CharTokenizer, params: Float32Array, count: number, seed: number): Promise<string> {
  const model = new GPT(new CpuBackend(), cfg, 1);
  try {
    model.setParams(params);
    return await generate(model, tok, '', count, { temperature: 0.8, topK: 20, seed });
  } finally {
    model.destroy();
  }
}
