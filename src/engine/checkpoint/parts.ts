// The in-memory form stores write and read: a manifest (JSON-serialisable, with the SHA-256 of every
// tensor) plus the named f32 tensors. Hashing happens here, before any store opens a transaction or a
// file; verification (hashes, finiteness, shapes against the settings) happens here on the way back.
// Legend: P = parameters, S = optimizer shards, slot = one optimizer state vector.

import { modelConfigOf, type RunConfig } from '../config';
import { CharTokenizer } from '../data/tokenizer';
import { numParams, paramSpecs } from '../model/params';
import { fail } from './errors';
import { hashTensor } from './hash';
import { CHECKPOINT_VERSION, checkSettings, EMA_PREFIX, OPTIM_PREFIX, parseManifest, slotNames, type CheckpointManifest, type TrainingState } from './manifest';

/** A checkpoint as a store holds it. Tensors may be views into the state they were made from. */
export interface CheckpointParts {
  manifest: CheckpointManifest;
  tensors: Map<string, Float32Array>;
}

/** Bytes a checkpoint takes in a store: its tensors plus its manifest as UTF-8 JSON. */
export const partsBytes = (p: CheckpointParts): number => p.manifest.tensors.reduce((a, t) => a + t.byteLength, 0) + new TextEncoder().encode(JSON.stringify(p.manifest)).length;

/** Name every tensor of a state (views, no copies) with its shape, in file order. Throws STATE on
 *  lengths that do not fit the settings. */
function namedTensors(s: TrainingState, config: RunConfig, V: number): { name: string; data: Float32Array; shape: number[] }[] {
  const mc = modelConfigOf(config, V);
  const P = numParams(mc);
  const specs = paramSpecs(mc);
  if (s.params.length !== P) fail('STATE', `params has ${s.params.length} values, the settings need ${P}`);
  if (s.ema && s.ema.length !== P) fail('STATE', `ema has ${s.ema.length} values, the settings need ${P}`);
  const out = specs.map((p) => ({ name: p.name, data: s.params.subarray(p.offset, p.offset + p.size), shape: p.shape }));
  const ema = s.ema;
  if (ema) out.push(...specs.map((p) => ({ name: EMA_PREFIX + p.name, data: ema.subarray(p.offset, p.offset + p.size), shape: p.shape })));
  const slots = slotNames(config);
  s.optimizer.shards.forEach((sh, i) => {
    if (sh.slots.length !== slots.length) fail('STATE', `optimizer shard ${i} has ${sh.slots.length} state slots, ${config.optimizer} has ${slots.length}`);
    sh.slots.forEach((d, k) => {
      if (d.length !== sh.hi - sh.lo) fail('STATE', `optimizer shard ${i} slot ${slots[k]} has ${d.length} values for [${sh.lo}, ${sh.hi})`);
      out.push({ name: `${OPTIM_PREFIX}${slots[k]}.${i}`, data: d, shape: [d.length] });
    });
  });
  return out;
}

/** The first non-finite element of a tensor, or -1. */
function firstNonFinite(d: Float32Array): number {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}

/** Hash a training state into parts (tensors are views into `s`: do not change s until stored).
 *  Refuses, with the code load would give, any state that could not be loaded back: NaN/inf anywhere
 *  (NONFINITE), lengths or shards that do not fit the settings (STATE, SHARDS), bad settings or
 *  vocabulary (CONFIG, VOCAB). `loss` is recorded for listings only (null when absent or not finite). */
export async function toParts(s: TrainingState, opts: { loss?: number | null } = {}): Promise<CheckpointParts> {
  const { config, V } = checkSettings(s.config, s.vocab);
  if (s.optimizer.name !== config.optimizer) fail('STATE', `optimizer state is for ${s.optimizer.name}, the settings say ${config.optimizer}`);
  const named = namedTensors(s, config, V);
  for (const { name, data } of named) {
    const i = firstNonFinite(data);
    if (i >= 0) fail('NONFINITE', `${name}: element ${i} is ${data[i]}; a diverged state is not checkpointed`);
  }
  let history: unknown;
  try {
    // a snapshot: the caller keeps appending to its history while the store writes
    history = JSON.parse(JSON.stringify(s.history));
  } catch (e) {
    fail('STATE', `history is not JSON-serialisable: ${(e as Error).message}`);
  }
  const hashes = await Promise.all(named.map((t) => hashTensor(t.data)));
  const manifest = parseManifest({
    // a non-finite loss (a skipped fp16 step) is not a reason to lose the checkpoint: listed as unknown
    version: CHECKPOINT_VERSION, step: s.step, tokens: s.tokens, loss: Number.isFinite(opts.loss) ? opts.loss : null, savedAt: s.savedAt,
    config, vocab: s.vocab, dataHash: s.dataHash, scaler: { ...s.scaler },
    optimizer: { name: s.optimizer.name, t: s.optimizer.t, slots: slotNames(config), shards: s.optimizer.shards.map(({ lo, hi }) => ({ lo, hi })) },
    ema: s.ema !== null,
    tensors: named.map((t, i) => ({ name: t.name, dtype: 'F32', shape: t.shape, byteLength: t.data.byteLength, sha256: hashes[i] })),
    history,
  });
  return { manifest, tensors: new Map(named.map((t) => [t.name, t.data])) };
}

/** Verify parts and rebuild the state: the manifest is migrated and validated (parseManifest), every
 *  listed tensor must be present with its byte length (MISSING, LENGTH) and no other (EXTRA), its SHA-256
 *  must match (HASH) and every value be finite (NONFINITE). The result shares no memory with the parts. */
export async function fromParts(p: { manifest: unknown; tensors: Map<string, Float32Array> }): Promise<TrainingState> {
  const m = parseManifest(p.manifest);
  for (const e of m.tensors) {
    const d = p.tensors.get(e.name);
    if (!d) fail('MISSING', `tensor ${e.name} is missing`);
    if (d!.byteLength !== e.byteLength) fail('LENGTH', `${e.name} has ${d!.byteLength} bytes, the manifest says ${e.byteLength}`);
  }
  if (p.tensors.size !== m.tensors.length) {
    const listed = new Set(m.tensors.map((e) => e.name));
    fail('EXTRA', `tensor(s) not in the manifest: ${[...p.tensors.keys()].filter((k) => !listed.has(k)).slice(0, 3).join(', ')}`);
  }
  const hashes = await Promise.all(m.tensors.map((e) => hashTensor(p.tensors.get(e.name)!)));
  m.tensors.forEach((e, i) => {
    if (hashes[i] !== e.sha256) fail('HASH', `${e.name}: SHA-256 ${hashes[i].slice(0, 12)}... differs from the recorded ${e.sha256.slice(0, 12)}...; the data is corrupt`);
  });
  for (const e of m.tensors) {
    const d = p.tensors.get(e.name)!;
    const i = firstNonFinite(d);
    if (i >= 0) fail('NONFINITE', `${e.name}: element ${i} is ${d[i]}`);
  }
  return assemble(m, p.tensors);
}

/** Copy verified tensors into a TrainingState. */
function assemble(m: CheckpointManifest, tensors: Map<string, Float32Array>): TrainingState {
  const mc = modelConfigOf(m.config, CharTokenizer.fromJSON(m.vocab).vocabSize);
  const specs = paramSpecs(mc);
  const flat = (prefix: string) => {
    const out = new Float32Array(numParams(mc));
    for (const s of specs) out.set(tensors.get(prefix + s.name)!, s.offset);
    return out;
  };
  return {
    config: m.config, vocab: m.vocab, dataHash: m.dataHash, step: m.step, tokens: m.tokens,
    params: flat(''), ema: m.ema ? flat(EMA_PREFIX) : null,
    optimizer: {
      name: m.optimizer.name, t: m.optimizer.t,
      shards: m.optimizer.shards.map(({ lo, hi }, i) => ({ lo, hi, slots: m.optimizer.slots.map((slot) => tensors.get(`${OPTIM_PREFIX}${slot}.${i}`)!.slice()) })),
    },
    scaler: { ...m.scaler }, history: m.history, savedAt: m.savedAt,
  };
}
