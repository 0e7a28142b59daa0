// Model weights as safetensors: nanoGPT parameter names and shapes (nn.Linear [out, in]), F32, with the
// vocabulary and the model config in __metadata__, so the file loads into nanoGPT's GPT class
// (load_state_dict(strict=False): lm_head.weight is tied to transformer.wte.weight and not stored).
// Import validates the file, then the metadata, then every tensor against the config (typed errors).
// A checkpoint file (src/engine/checkpoint/) is a weights file plus training state: __metadata__ has a
// `checkpoint` key and the extra tensors are named under STATE_PREFIX, which import then ignores.

import type { ModelConfig } from '../model/config';
import { checkModelConfig } from '../model/config';
import { numParams, paramSpecs } from '../model/params';
import { CharTokenizer } from '../data/tokenizer';
import { checkTensors, decodeSafetensors, encodeSafetensors, SafetensorsError } from '../safetensors';

export const WEIGHTS_FORMAT = 'ringlab-gpt';
export const WEIGHTS_VERSION = '1';
/** Names of the non-weight tensors of a checkpoint file (optimizer state, EMA) start with this. */
export const STATE_PREFIX = 'ringlab.';
/** __metadata__ key whose presence marks a checkpoint file (its value is the checkpoint manifest). */
export const CHECKPOINT_KEY = 'checkpoint';

/** safetensors bytes of a flat parameter vector (paramSpecs layout). */
export function exportWeights(cfg: ModelConfig, flat: Float32Array, tok: CharTokenizer, extra: Record<string, string> = {}): Uint8Array {
  if (tok.vocabSize !== cfg.vocabSize) throw new RangeError(`vocabulary has ${tok.vocabSize} characters, config says ${cfg.vocabSize}`);
  const tensors = paramSpecs(cfg).map((s): [string, { shape: number[]; data: Float32Array }] => [s.name, { shape: s.shape, data: flat.subarray(s.offset, s.offset + s.size) }]);
  return encodeSafetensors(tensors, { ...extra, format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, vocab: tok.toJSON(), config: JSON.stringify(cfg) });
}

export interface LoadedWeights { cfg: ModelConfig; tokenizer: CharTokenizer; params: Float32Array; metadata: Record<string, string> }

/** Parse and validate a weights file (or a checkpoint file: its training state is ignored, not verified;
 *  src/engine/checkpoint verifies it); throws SafetensorsError (with a code) for anything wrong. */
export function importWeights(bytes: Uint8Array): LoadedWeights {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== WEIGHTS_FORMAT) throw new SafetensorsError('METADATA', `__metadata__.format is ${JSON.stringify(metadata.format)}, expected "${WEIGHTS_FORMAT}"`);
  if (metadata.version !== WEIGHTS_VERSION) throw new SafetensorsError('METADATA', `__metadata__.version ${JSON.stringify(metadata.version)} is not supported (expected "${WEIGHTS_VERSION}")`);
  let cfg: ModelConfig;
  try {
    const c = JSON.parse(metadata.config ?? '');
    if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new RangeError('it must be a JSON object');
    cfg = { vocabSize: c.vocabSize, blockSize: c.blockSize, nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd };
    checkModelConfig(cfg);
  } catch (e) {
    throw new SafetensorsError('CONFIG', `__metadata__.config is not a valid model config (${e instanceof SyntaxError ? 'not JSON' : (e as Error).message})`);
  }
  let tokenizer: CharTokenizer;
  try {
    tokenizer = CharTokenizer.fromJSON(metadata.vocab ?? '');
  } catch (e) {
    throw new SafetensorsError('VOCAB', `__metadata__.vocab: ${(e as Error).message}`);
  }
  if (tokenizer.vocabSize !== cfg.vocabSize) throw new SafetensorsError('VOCAB', `vocabulary has ${tokenizer.vocabSize} characters, config says ${cfg.vocabSize}`);
  const specs = paramSpecs(cfg);
  // Every tensor is checked against the config before anything is allocated: the data is already bounded
  // by the file's size, so a hostile header with a huge config cannot make us reserve gigabytes.
  const checkpoint = Object.hasOwn(metadata, CHECKPOINT_KEY);
  checkTensors(tensors, specs, 'the config needs', (k) => checkpoint && k.startsWith(STATE_PREFIX));
  const params = new Float32Array(numParams(cfg));
  for (const s of specs) params.set(tensors.get(s.name)!.data, s.offset);
  return { cfg, tokenizer, params, metadata };
}
