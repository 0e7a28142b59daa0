// The GPT's shape, as nanoGPT's GPTConfig (bias on, dropout 0).
// V = vocabSize, T = blockSize (longest context), L = nLayer, H = nHead, C = nEmbd (C % H === 0).

export interface ModelConfig { vocabSize: number; blockSize: number; nLayer: number; nHead: number; nEmbd: number }

/** Throw a specific error unless every field is a positive integer and nEmbd is divisible by nHead. */
/** Largest shapes this engine builds (the run settings' ranges; vocabulary: any 16-bit character set). A
 *  config from a file beyond these is refused before anything is allocated. */
export const MODEL_LIMITS = { vocabSize: 65536, blockSize: 2048, nLayer: 48, nHead: 64, nEmbd: 2048 } as const;

export function checkModelConfig(cfg: ModelConfig): void {
  for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) {
    const v = cfg[k];
    if (!(Number.isInteger(v) && v >= 1 && v <= MODEL_LIMITS[k])) {
      throw new RangeError(`model config: ${k} must be an integer in [1, ${MODEL_LIMITS[k]}], got ${v}`);
    }
  }
  if (cfg.nEmbd % cfg.nHead !== 0) throw new RangeError(`model config: nEmbd (${cfg.nEmbd}) must be divisible by nHead (${cfg.nHead})`);
}
