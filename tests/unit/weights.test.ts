// Weights as safetensors with nanoGPT names: export/import round trip, metadata, and typed errors for
// files that do not fit the model they describe. Generation is seeded and uses the loaded weights.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { CharTokenizer } from '../../src/engine/data/tokenizer';
import { generate, sampleLogits } from '../../src/engine/generate';
import type { ModelConfig } from '../../src/engine/model/config';
import { GPT } from '../../src/engine/model/gpt';
import { initParams, paramSpecs } from '../../src/engine/model/params';
import { Rng } from '../../src/engine/rng';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafetensorsCode, type Tensor } from '../../src/engine/safetensors';
import { exportWeights, importWeights } from '../../src/engine/train/weights';

const tok = CharTokenizer.fromText('abcdefg \n');
const cfg: ModelConfig = { vocabSize: tok.vocabSize, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 };
const params = initParams(cfg, new Rng(5));
const file = exportWeights(cfg, params, tok);

/** Re-encode the file after changing its tensors or metadata. */
function edit(f: (t: Map<string, Tensor>, m: Record<string, string>) => void): Uint8Array {
  const d = decodeSafetensors(file);
  f(d.tensors, d.metadata);
  return encodeSafetensors([...d.tensors], d.metadata);
}
function code(bytes: Uint8Array): SafetensorsCode {
  try {
    importWeights(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as SafetensorsError).code;
  }
  throw new Error('expected a SafetensorsError');
}

describe('weights file', () => {
  it('uses nanoGPT names and [out, in] shapes, and round-trips weights, config and vocabulary', () => {
    const d = decodeSafetensors(file);
    expect(d.tensors.get('transformer.h.1.mlp.c_fc.weight')!.shape).toEqual([32, 8]);
    expect(d.tensors.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([24, 8]);
    expect(d.tensors.has('lm_head.weight')).toBe(false); // tied to wte
    expect(JSON.parse(d.metadata.config)).toEqual(cfg);
    const w = importWeights(file);
    expect(w.cfg).toEqual(cfg);
    expect(w.tokenizer.chars).toEqual(tok.chars);
    expect(w.params).toEqual(params);
  });
  it.each<[string, SafetensorsCode, () => Uint8Array]>([
    ['a missing tensor', 'MISSING', () => edit((t) => t.delete('transformer.ln_f.bias'))],
    ['an extra tensor', 'EXTRA', () => edit((t) => t.set('lm_head.extra', { shape: [1], data: new Float32Array(1) }))],
    ['a tensor of the wrong shape', 'SHAPE', () => edit((t) => t.set('transformer.wpe.weight', { shape: [4, 16], data: new Float32Array(64) }))],
    ['a config that is not JSON', 'CONFIG', () => edit((_, m) => (m.config = '{nope'))],
    ['a config with nEmbd not divisible by nHead', 'CONFIG', () => edit((_, m) => (m.config = JSON.stringify({ ...cfg, nHead: 3 })))],
    ['a vocabulary of the wrong size', 'VOCAB', () => edit((_, m) => (m.vocab = '["a","b"]'))],
    ['a repeated vocabulary entry', 'VOCAB', () => edit((_, m) => (m.vocab = JSON.stringify([...tok.chars.slice(1), 'a'])))],
    ['another format', 'METADATA', () => edit((_, m) => (m.format = 'pt'))],
    ['a future version', 'METADATA', () => edit((_, m) => (m.version = '9'))],
    // a hostile header must be refused before the config's parameters are allocated (120 G floats here)
    ['a config far beyond the engine', 'CONFIG', () => edit((_, m) => (m.config = JSON.stringify({ ...cfg, nEmbd: 100_000, nHead: 1 })))],
    ['a config too large for its tensors', 'MISSING', () => edit((_, m) => (m.config = JSON.stringify({ ...cfg, nLayer: 48 })))],
    ['a config that is not an object', 'CONFIG', () => edit((_, m) => (m.config = 'null'))],
  ])('rejects %s with %s', (_what, expected, make) => {
    expect(code(make())).toBe(expected);
  });
});

describe('generation', () => {
  it('samples with temperature and top-k; seeded; greedy at temperature 0', async () => {
    const logits = Float32Array.from([0, 3, 1, 2.5]);
    expect(sampleLogits(logits, { temperature: 0, topK: 0 }, new Rng(1))).toBe(1);
    const counts = [0, 0, 0, 0];
    const rng = new Rng(2);
    for (let i = 0; i < 2000; i++) counts[sampleLogits(logits, { temperature: 1, topK: 2 }, rng)]++;
    expect(counts[0] + counts[2]).toBe(0); // outside the top 2
    // p(1) / p(3) = e^(3 - 2.5) = 1.65; 2000 draws put the ratio within ~0.2 of it
    expect(counts[1] / counts[3]).toBeGreaterThan(1.4);
    expect(counts[1] / counts[3]).toBeLessThan(1.95);
    const gpt = new GPT(new CpuBackend(), cfg, 1);
    gpt.setParams(params);
    const a = await generate(gpt, tok, 'ab', 12, { temperature: 1, topK: 0, seed: 9 });
    expect(a).toHaveLength(14);
    expect(a.startsWith('ab')).toBe(true);
    expect(await generate(gpt, tok, 'ab', 12, { temperature: 1, topK: 0, seed: 9 })).toBe(a);
    expect(await generate(gpt, tok, '', 20, { temperature: 0.8, topK: 3, seed: 1 })).toHaveLength(20); // longer than blockSize: context cropped
  });
});

describe('paramSpecs and safetensors agree', () => {
  it('every spec is one tensor', () => {
    expect(decodeSafetensors(file).tensors.size).toBe(paramSpecs(cfg).length);
  });
});
