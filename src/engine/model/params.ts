// The GPT's parameters as one flat f32 vector, in nanoGPT's named_parameters() order and PyTorch layout.
// V = vocab, T = blockSize, C = nEmbd, L = nLayer. nn.Linear weights are [out, in]; the LM head is tied to
// transformer.wte.weight and not listed separately (as named_parameters() deduplicates it).
import type { Rng } from '../rng';
import { checkModelConfig, type ModelConfig } from './config';

export interface ParamSpec { name: string; shape: number[]; offset: number; size: number; decay: boolean }

/** nanoGPT's named_parameters() order with shapes, offsets into the flat vector, and the decay flag (2-D). */
export function paramSpecs(cfg: ModelConfig): ParamSpec[] {
  checkModelConfig(cfg);
  const { vocabSize: V, blockSize: T, nEmbd: C, nLayer: L } = cfg;
  const shapes: [string, number[]][] = [['transformer.wte.weight', [V, C]], ['transformer.wpe.weight', [T, C]]];
  for (let l = 0; l < L; l++) {
    const h = `transformer.h.${l}.`;
    shapes.push(
      [`${h}ln_1.weight`, [C]], [`${h}ln_1.bias`, [C]],
      [`${h}attn.c_attn.weight`, [3 * C, C]], [`${h}attn.c_attn.bias`, [3 * C]],
      [`${h}attn.c_proj.weight`, [C, C]], [`${h}attn.c_proj.bias`, [C]],
      [`${h}ln_2.weight`, [C]], [`${h}ln_2.bias`, [C]],
      [`${h}mlp.c_fc.weight`, [4 * C, C]], [`${h}mlp.c_fc.bias`, [4 * C]],
      [`${h}mlp.c_proj.weight`, [C, 4 * C]], [`${h}mlp.c_proj.bias`, [C]],
    );
  }
  shapes.push(['transformer.ln_f.weight', [C]], ['transformer.ln_f.bias', [C]]);
  let offset = 0;
  return shapes.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const spec = { name, shape, offset, size, decay: shape.length >= 2 };
    offset += size;
    return spec;
  });
}

/** Total number of parameters (the tied LM head counted once). */
export function numParams(cfg: ModelConfig): number {
  const s = paramSpecs(cfg);
  const last = s[s.length - 1];
  return last.offset + last.size;
}

/** nanoGPT init: weights and embeddings normal(0, 0.02), every c_proj.weight normal(0, 0.02 / sqrt(2L)),
 *  biases 0, LayerNorm weights 1. Tensors are drawn in spec order from rng, so a seed fixes everything. */
export function initParams(cfg: ModelConfig, rng: Rng): Float32Array {
  const specs = paramSpecs(cfg);
  const flat = new Float32Array(numParams(cfg));
  for (const s of specs) {
    const view = flat.subarray(s.offset, s.offset + s.size);
    if (/\.ln_\d\.weight$|ln_f\.weight$/.test(s.name)) view.fill(1);
    else if (s.name.endsWith('.bias')) view.fill(0);
    else rng.fillNormal(view, s.name.endsWith('c_proj.weight') ? 0.02 / Math.sqrt(2 * cfg.nLayer) : 0.02);
  }
  return flat;
}
