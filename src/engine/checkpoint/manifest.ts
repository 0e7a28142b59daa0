// What a checkpoint holds (TrainingState), its manifest (everything but the tensors, as JSON) and the
// manifest's validation. A manifest is versioned with a migration table, as zustand's persist middleware
// does (version + migrate) and as migrateConfig does for the settings inside it.
// Legend: P = parameters (paramSpecs layout), V = vocabulary size, [lo, hi) = an optimizer shard,
// S = shards (N with ZeRO-1, else 1), slot = one optimizer state vector (AdamW m, v; SGD momentum_buffer).
//
// Tensor names: the weights under nanoGPT's names (paramSpecs), then
//   ringlab.ema.<nanoGPT name>          the EMA weights, same shapes (only when emaDecay > 0)
//   ringlab.optim.<slot>.<s>            slot of shard s, shape [hi - lo] (s = 0..S-1 in order of lo)
// No RNG state is stored: init depends on the seed only, the sampler's batch of step t on (seed, t, G)
// only (a fresh permutation per epoch, src/engine/data/sampler.ts), and there is no dropout; so seed (in
// config) and step are the whole random state of a run.

import { ConfigError, modelConfigOf, parseConfig, type RunConfig } from '../config';
import { CharTokenizer } from '../data/tokenizer';
import { checkModelConfig } from '../model/config';
import { numParams, paramSpecs } from '../model/params';
import { optimizers, type OptimizerName } from '../optim/optimizers';
import type { ScalerState } from '../optim/scaler';
import { STATE_PREFIX } from '../train/weights';
import { checkTensors } from '../safetensors';
import { asCheckpointError, fail } from './errors';
import { isSha256Hex } from './hash';

/** Version of the manifest format written by this build. */
export const CHECKPOINT_VERSION = 1;

export const EMA_PREFIX = `${STATE_PREFIX}ema.`;
export const OPTIM_PREFIX = `${STATE_PREFIX}optim.`;

/** One shard of optimizer state: slots[i] holds state slot i for parameters [lo, hi). */
export interface OptimizerShard { lo: number; hi: number; slots: Float32Array[] }

/** Everything needed to resume a run exactly (see the legend for why no RNG state). */
export interface TrainingState {
  /** the run's settings */
  config: RunConfig;
  /** CharTokenizer.toJSON() */
  vocab: string;
  /** hashTokens() of the training tokens: resuming on other data is refused */
  dataHash: string;
  /** optimizer steps done (skipped fp16 steps included) */
  step: number;
  /** tokens trained on so far */
  tokens: number;
  /** [P] flat, paramSpecs layout */
  params: Float32Array;
  /** [P] EMA weights when config.emaDecay > 0, else null */
  ema: Float32Array | null;
  /** every rank's shard with ZeRO-1 (ordered by lo), one [0, P) shard otherwise; t = applied updates */
  optimizer: { name: OptimizerName; t: number; shards: OptimizerShard[] };
  /** loss scale and growth tracker */
  scaler: ScalerState;
  /** metrics records to redraw charts: JSON-serialisable, opaque to the format */
  history: unknown[];
  /** epoch ms */
  savedAt: number;
}

export interface TensorEntry { name: string; dtype: 'F32'; shape: number[]; byteLength: number; sha256: string }

/** A checkpoint without its tensors: JSON-serialisable; stored beside the tensors by every store. */
export interface CheckpointManifest {
  version: number;
  step: number;
  tokens: number;
  /** training loss at this step, when the saver gave one */
  loss: number | null;
  savedAt: number;
  config: RunConfig;
  vocab: string;
  dataHash: string;
  scaler: ScalerState;
  optimizer: { name: OptimizerName; t: number; slots: string[]; shards: { lo: number; hi: number }[] };
  ema: boolean;
  /** every tensor of the checkpoint, in file order, with the SHA-256 of its little-endian bytes */
  tensors: TensorEntry[];
  history: unknown[];
}

/** Upgrades manifest version v to v + 1 (key v). */
export type Migration = (m: Record<string, unknown>) => Record<string, unknown>;

/** No older versions exist yet; when the format changes, MIGRATIONS[old] turns old into old + 1. */
export const MIGRATIONS: Readonly<Record<number, Migration>> = {};

/** A raw value in a message: JSON when it has one (a BigInt from a tampered store record has not). */
const show = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return typeof v;
  }
};
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Bring a raw manifest to `current` through `migrations`; throws CheckpointError VERSION for a newer
 *  version, a missing or malformed one, or a gap in the migrations. */
export function migrateManifest(raw: unknown, migrations: Readonly<Record<number, Migration>> = MIGRATIONS, current = CHECKPOINT_VERSION): Record<string, unknown> {
  if (!isObject(raw)) fail('STATE', 'the checkpoint manifest is not a JSON object');
  let m = raw as Record<string, unknown>;
  const v0 = m.version;
  if (!Number.isSafeInteger(v0) || (v0 as number) < 1) fail('VERSION', `checkpoint version ${show(v0)} is not a positive integer`);
  if ((v0 as number) > current) fail('VERSION', `checkpoint version ${v0} is newer than this build reads (${current})`);
  for (let v = v0 as number; v < current; v++) {
    const up = migrations[v];
    if (!up) fail('VERSION', `checkpoint version ${v0} cannot be upgraded: no migration from version ${v}`);
    try {
      m = up(m);
    } catch (e) {
      fail('VERSION', `migration from checkpoint version ${v} failed: ${(e as Error)?.message ?? show(e)}`);
    }
    if (!isObject(m) || m.version !== v + 1) fail('VERSION', `migration from checkpoint version ${v} did not produce version ${v + 1}`);
  }
  return m;
}

/** The optimizer state slots a config implies (AdamW: m, v; SGD: momentum_buffer, or none without momentum). */
export const slotNames = (c: RunConfig): string[] => optimizers[c.optimizer].slots(c);

/** Name and shape of every tensor a checkpoint with these settings must hold, in file order. */
export function expectedTensors(config: RunConfig, vocabSize: number, ema: boolean, slots: string[], shards: { lo: number; hi: number }[]): { name: string; shape: number[] }[] {
  const specs = paramSpecs(modelConfigOf(config, vocabSize));
  const out = specs.map((s) => ({ name: s.name, shape: s.shape }));
  if (ema) out.push(...specs.map((s) => ({ name: EMA_PREFIX + s.name, shape: s.shape })));
  shards.forEach((sh, i) => slots.forEach((slot) => out.push({ name: `${OPTIM_PREFIX}${slot}.${i}`, shape: [sh.hi - sh.lo] })));
  return out;
}

/** Throw SHARDS unless the shards, in order, tile [0, P) with no gap or overlap. */
export function checkShards(shards: { lo: number; hi: number }[], P: number): void {
  if (shards.length === 0) fail('SHARDS', 'the optimizer state has no shard');
  let pos = 0;
  shards.forEach(({ lo, hi }, i) => {
    if (!isCount(lo) || !isCount(hi) || hi <= lo) fail('SHARDS', `optimizer shard ${i} is [${lo}, ${hi}), not a non-empty integer range`);
    if (lo < pos) fail('SHARDS', `optimizer shard ${i} [${lo}, ${hi}) overlaps the previous shard (which ends at ${pos})`);
    if (lo > pos) fail('SHARDS', `optimizer state has a gap: parameters [${pos}, ${lo}) belong to no shard`);
    if (hi > P) fail('SHARDS', `optimizer shard ${i} [${lo}, ${hi}) runs past the ${P} parameters`);
    pos = hi;
  });
  if (pos !== P) fail('SHARDS', `optimizer state has a gap: parameters [${pos}, ${P}) belong to no shard`);
}

/** Validate a checkpoint's settings and vocabulary (CONFIG, VOCAB): the model they describe must be one
 *  this engine builds. Returns the parsed settings (migrated, defaulted) and the vocabulary size. */
export function checkSettings(rawConfig: unknown, vocab: unknown): { config: RunConfig; V: number } {
  let config: RunConfig;
  try {
    config = parseConfig(rawConfig);
  } catch (e) {
    if (e instanceof ConfigError) return fail('CONFIG', `the checkpoint's settings are invalid: ${e.message}`);
    throw e;
  }
  if (typeof vocab !== 'string') fail('VOCAB', 'the checkpoint has no vocabulary');
  let V = 0;
  try {
    V = CharTokenizer.fromJSON(vocab as string).vocabSize;
  } catch (e) {
    fail('VOCAB', `the checkpoint's vocabulary: ${(e as Error).message}`);
  }
  try {
    checkModelConfig(modelConfigOf(config, V));
  } catch (e) {
    fail('CONFIG', (e as Error).message);
  }
  return { config, V };
}

/** Migrate and validate a raw manifest (from JSON, a store or a file): versions, settings, vocabulary,
 *  counters, scaler, optimizer meta, shards and the tensor list against what the settings imply.
 *  Returns a well-typed manifest; throws CheckpointError (VERSION, CONFIG, VOCAB, STATE, SHARDS, HASH,
 *  DTYPE, SHAPE, LENGTH, MISSING, EXTRA). Allocates nothing proportional to the model. */
export function parseManifest(raw: unknown): CheckpointManifest {
  const m = migrateManifest(raw);
  const { config, V } = checkSettings(m.config, m.vocab);
  const { step, tokens, loss, savedAt, dataHash, scaler, optimizer: opt, ema, tensors, history } = m;
  if (!isCount(step) || !isCount(tokens)) fail('STATE', `step ${show(step)} and tokens ${show(tokens)} must be non-negative integers`);
  if ((step as number) > config.steps) fail('STATE', `step ${step} is past the run's last step ${config.steps}`);
  if ((step as number) === 0 && tokens !== 0) fail('STATE', `step 0 with ${tokens} tokens trained`);
  if (!(loss === null || (typeof loss === 'number' && Number.isFinite(loss)))) fail('STATE', `loss ${show(loss)} is not a finite number or null`);
  if (!(typeof savedAt === 'number' && Number.isFinite(savedAt) && savedAt >= 0)) fail('STATE', `savedAt ${show(savedAt)} is not a time`);
  if (!isSha256Hex(dataHash)) fail('STATE', 'dataHash is not a SHA-256 hex digest');
  if (!isObject(scaler) || !(typeof scaler.scale === 'number' && Number.isFinite(scaler.scale) && scaler.scale > 0) || !isCount(scaler.growthTracker)) {
    fail('STATE', 'the loss scaler state must be a positive finite scale and a non-negative growth tracker');
  }
  if (!Array.isArray(history)) fail('STATE', 'history is not a list');
  if (typeof ema !== 'boolean' || ema !== config.emaDecay > 0) fail('STATE', `EMA weights ${ema ? 'present' : 'absent'} but emaDecay is ${config.emaDecay}`);
  if (!isObject(opt)) fail('STATE', 'the optimizer state is missing');
  const o = opt as Record<string, unknown>;
  if (o.name !== config.optimizer) fail('STATE', `optimizer state is for ${show(o.name)}, the settings say ${config.optimizer}`);
  if (!isCount(o.t) || (o.t as number) > (step as number)) fail('STATE', `optimizer update count ${show(o.t)} must be an integer in [0, step ${step}]`);
  const slots = slotNames(config);
  if (!Array.isArray(o.slots) || o.slots.length !== slots.length || o.slots.some((x, i) => x !== slots[i])) {
    fail('STATE', `optimizer slots ${show(o.slots)} are not those of ${config.optimizer} (${show(slots)})`);
  }
  if (!Array.isArray(o.shards) || !o.shards.every(isObject)) fail('SHARDS', 'optimizer shards must be a list of {lo, hi}');
  const shards = (o.shards as Record<string, unknown>[]).map((s) => ({ lo: s.lo as number, hi: s.hi as number }));
  checkShards(shards, numParams(modelConfigOf(config, V)));
  const entries = parseEntries(tensors);
  checkEntries(entries, expectedTensors(config, V, ema as boolean, slots, shards));
  return {
    version: CHECKPOINT_VERSION, step: step as number, tokens: tokens as number, loss: loss as number | null, savedAt: savedAt as number,
    config: config, vocab: m.vocab as string, dataHash: dataHash as string,
    scaler: { scale: (scaler as ScalerState).scale, growthTracker: (scaler as ScalerState).growthTracker },
    optimizer: { name: config.optimizer, t: o.t as number, slots, shards }, ema: ema as boolean, tensors: entries, history: history as unknown[],
  };
}

function parseEntries(raw: unknown): TensorEntry[] {
  if (!Array.isArray(raw)) fail('STATE', 'the manifest has no tensor list');
  return (raw as unknown[]).map((e, i) => {
    if (!isObject(e) || typeof e.name !== 'string') return fail('STATE', `tensor entry ${i} is not {name, dtype, shape, byteLength, sha256}`);
    const { name, dtype, shape, byteLength, sha256 } = e;
    if (dtype !== 'F32') fail('DTYPE', `${name}: dtype ${show(dtype)} is not supported (only F32)`);
    if (!Array.isArray(shape) || !shape.every(isCount)) fail('SHAPE', `${name}: shape is not a list of non-negative integers`);
    if (byteLength !== 4 * (shape as number[]).reduce((a, b) => a * b, 1)) fail('LENGTH', `${name}: ${byteLength} bytes for shape [${shape}]`);
    if (!isSha256Hex(sha256)) fail('HASH', `${name}: the recorded sha256 is not a SHA-256 hex digest`);
    return { name, dtype: 'F32', shape: shape as number[], byteLength: byteLength as number, sha256: sha256 as string };
  });
}

/** The manifest's tensor list must be exactly the expected one: same names, same order, same shapes. */
function checkEntries(entries: TensorEntry[], expected: { name: string; shape: number[] }[]): void {
  const have = new Map(entries.map((e) => [e.name, e]));
  if (have.size !== entries.length) fail('EXTRA', 'the manifest lists a tensor twice');
  asCheckpointError(() => checkTensors(have, expected, 'the settings need'));
}
