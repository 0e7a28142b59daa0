// The checkpoint format: bit-exact round trips (parts and file), nanoGPT names that importWeights still
// reads, and one typed error per kind of hostile file or inconsistent state (never another exception).
import { describe, expect, it } from 'vitest';
import {
  CheckpointError, CHECKPOINT_VERSION, exportCheckpoint, fromParts, hashTokens, importCheckpoint, MANIFEST_HASH_KEY, migrateManifest, sha256Hex, toParts,
  type CheckpointCode, type TrainingState,
} from '../../src/engine/checkpoint';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/engine/safetensors';
import { exportWeights, importWeights } from '../../src/engine/train/weights';
import { makeState, rewriteHeader, stateBits, tok } from './checkpoint-helpers';
import { SafetensorsError } from '../../src/engine/safetensors';

/** The code of the CheckpointError fn rejects with (fails the test on anything else). */
async function code(fn: () => Promise<unknown>): Promise<CheckpointCode> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as CheckpointError).code;
  }
  throw new Error('expected a CheckpointError');
}

const state = makeState({ emaDecay: 0.9, precision: 'fp16' }, { shards: 3 });
const file = await exportCheckpoint(state, { loss: 2.25 });

/** Re-encode the file after editing its tensors or metadata (structure stays valid). */
function edit(f: (t: Map<string, Tensor>, m: Record<string, string>) => void): Uint8Array {
  const d = decodeSafetensors(file);
  f(d.tensors, d.metadata);
  return encodeSafetensors([...d.tensors], d.metadata);
}
/** Re-encode after editing the manifest, with its digest recomputed (so only the edit is wrong). */
async function editManifest(f: (m: Record<string, any>) => void): Promise<Uint8Array> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const d = decodeSafetensors(file);
  const m = JSON.parse(d.metadata.checkpoint);
  f(m);
  d.metadata.checkpoint = JSON.stringify(m);
  d.metadata[MANIFEST_HASH_KEY] = await sha256Hex(new TextEncoder().encode(d.metadata.checkpoint));
  return encodeSafetensors([...d.tensors], d.metadata);
}
const dataStart = (b: Uint8Array) => 8 + new DataView(b.buffer, b.byteOffset).getUint32(0, true);

describe('checkpoint format', () => {
  it.each<[string, TrainingState]>([
    ['AdamW, 3 ZeRO-1 shards, EMA, fp16 scaler', state],
    ['SGD with momentum, one shard', makeState({ optimizer: 'sgd', momentum: 0.9 })],
    ['plain SGD (no optimizer state)', makeState({ optimizer: 'sgd', momentum: 0 }, { step: 0 })],
  ])('round-trips %s bit-exactly through parts and through one file', async (_what, s) => {
    const parts = await toParts(s, { loss: 1.5 });
    expect(parts.manifest.loss).toBe(1.5);
    expect((await toParts(s, { loss: NaN })).manifest.loss).toBeNull(); // listed as unknown, still saved
    expect(stateBits(await fromParts(parts))).toEqual(stateBits(s));
    expect(stateBits(await importCheckpoint(await exportCheckpoint(s)))).toEqual(stateBits(s));
  });
  it('is a nanoGPT weights file: nanoGPT names, state under ringlab., string metadata, and importWeights reads it', async () => {
    const d = decodeSafetensors(file);
    expect(d.tensors.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([24, 8]);
    expect([...d.tensors.keys()].filter((k) => k.startsWith('ringlab.optim.')).sort()).toEqual(['m.0', 'm.1', 'm.2', 'v.0', 'v.1', 'v.2'].map((s) => `ringlab.optim.${s}`));
    expect(d.tensors.get('ringlab.ema.transformer.wte.weight')!.shape).toEqual([tok.vocabSize, 8]);
    expect(Object.keys(d.metadata).sort()).toEqual(['checkpoint', MANIFEST_HASH_KEY, 'config', 'format', 'version', 'vocab']);
    const m = JSON.parse(d.metadata.checkpoint);
    expect(m).toMatchObject({ version: CHECKPOINT_VERSION, step: 7, loss: 2.25, optimizer: { name: 'adamw', slots: ['m', 'v'] } });
    expect(m.tensors[0]).toEqual({ name: 'transformer.wte.weight', dtype: 'F32', shape: [tok.vocabSize, 8], byteLength: 4 * tok.vocabSize * 8, sha256: await sha256Hex(new Uint8Array(state.params.buffer, 0, 4 * tok.vocabSize * 8)) });
    const w = importWeights(file);
    expect(w.params).toEqual(state.params);
    expect(w.cfg).toEqual({ vocabSize: tok.vocabSize, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
  });
  it('importWeights still refuses ringlab. tensors in a file that is not a checkpoint', () => {
    const d = decodeSafetensors(file);
    delete d.metadata.checkpoint;
    expect(() => importWeights(encodeSafetensors([...d.tensors], d.metadata))).toThrow(expect.objectContaining({ code: 'EXTRA' }));
    expect(() => importWeights(encodeSafetensors([...d.tensors], d.metadata))).toThrow(SafetensorsError);
  });
  it('hashes tokens and tensors with SHA-256 (known digest of "abc")', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const h = await hashTokens(Uint16Array.from([1, 2, 3]));
    expect(h).toBe(await sha256Hex(Uint8Array.from([1, 0, 2, 0, 3, 0]))); // u16 little-endian
    expect(await hashTokens(Uint16Array.from([1, 2, 4]))).not.toBe(h);
  });

  const wpe = 'transformer.wpe.weight';
  it.each<[string, CheckpointCode, () => Uint8Array | Promise<Uint8Array>]>([
    ['a truncated file', 'TRUNCATED', () => file.slice(0, 5)],
    ['a file cut inside its data', 'OFFSETS', () => file.slice(0, file.length - 4)],
    ['a header length over 100 MB', 'HEADER_SIZE', () => { const b = file.slice(); new DataView(b.buffer).setUint32(0, 200_000_000, true); return b; }],
    ['one flipped bit in a weight', 'HASH', () => { const b = file.slice(); b[dataStart(b) + 401] ^= 0x01; return b; }],
    ['one flipped bit in an optimizer slot', 'HASH', () => { const b = file.slice(); b[b.length - 3] ^= 0x10; return b; }],
    ['one changed digit in the manifest (history)', 'HASH', () => edit((_, m) => (m.checkpoint = m.checkpoint.replace('"loss":2.25', '"loss":2.26')))],
    ['overlapping tensors', 'OVERLAP', () => rewriteHeader(file, (h) => (h['transformer.h.0.ln_1.bias'].data_offsets = h['transformer.h.0.ln_1.weight'].data_offsets))],
    ['offsets past the end', 'OFFSETS', () => rewriteHeader(file, (h) => (h[wpe].data_offsets = [h[wpe].data_offsets[0], file.length]))],
    ['an F16 dtype', 'DTYPE', () => rewriteHeader(file, (h) => (h[wpe].dtype = 'F16'))],
    ['a shape of the right size but the wrong form', 'SHAPE', () => rewriteHeader(file, (h) => (h[wpe].shape = [4, 16]))],
    ['a shape that does not fit its bytes', 'LENGTH', () => rewriteHeader(file, (h) => (h[wpe].shape = [9, 8]))],
    ['a NaN weight', 'NONFINITE', () => edit((t) => (t.get(wpe)!.data[3] = NaN))],
    ['an infinite optimizer value', 'NONFINITE', () => edit((t) => (t.get('ringlab.optim.v.1')!.data[0] = Infinity))],
    ['a missing weight', 'MISSING', () => edit((t) => t.delete('transformer.ln_f.bias'))],
    ['a missing optimizer shard', 'MISSING', () => edit((t) => t.delete('ringlab.optim.m.2'))],
    ['an extra tensor', 'EXTRA', () => edit((t) => t.set('ringlab.optim.m.3', { shape: [1], data: new Float32Array(1) }))],
    ['a plain weights file', 'FORMAT', () => exportWeights({ vocabSize: tok.vocabSize, ...{ blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 } }, state.params, tok)],
    ['a missing manifest digest', 'HASH', () => edit((_, m) => delete m[MANIFEST_HASH_KEY])],
    ['metadata vocab that disagrees with the manifest', 'STATE', () => edit((_, m) => (m.vocab = JSON.stringify([...tok.chars].reverse())))],
    ['shards with a gap', 'SHARDS', () => editManifest((m) => (m.optimizer.shards[1].lo += 1))],
    ['overlapping shards', 'SHARDS', () => editManifest((m) => (m.optimizer.shards[1].lo -= 1))],
    ['shards past P', 'SHARDS', () => editManifest((m) => (m.optimizer.shards[2].hi += 8))],
    ['shards that stop short of P', 'SHARDS', () => editManifest((m) => m.optimizer.shards.pop())],
    ['a future version', 'VERSION', () => editManifest((m) => (m.version = CHECKPOINT_VERSION + 1))],
    ['no version', 'VERSION', () => editManifest((m) => delete m.version)],
    ['a negative step', 'STATE', () => editManifest((m) => (m.step = -1))],
    ['a step past the run', 'STATE', () => editManifest((m) => (m.step = 101))],
    ['fractional tokens', 'STATE', () => editManifest((m) => (m.tokens = 1.5))],
    ['more updates than steps', 'STATE', () => editManifest((m) => (m.optimizer.t = 8))],
    ['another optimizer', 'STATE', () => editManifest((m) => (m.optimizer.name = 'sgd'))],
    ['EMA listed but emaDecay 0', 'STATE', () => editManifest((m) => (m.config.emaDecay = 0))],
    ['a zero loss scale', 'STATE', () => editManifest((m) => (m.scaler.scale = 0))],
    ['a malformed data hash', 'STATE', () => editManifest((m) => (m.dataHash = 'xyz'))],
    ['a recorded tensor hash that does not match', 'HASH', () => editManifest((m) => (m.tensors[1].sha256 = '0'.repeat(64)))],
    ['a manifest shape unlike the settings', 'SHAPE', () => editManifest((m) => (m.tensors[1].shape = [4, 16]))],
    ['invalid settings', 'CONFIG', () => editManifest((m) => (m.config.nHead = 3))],
    ['settings beyond the engine', 'CONFIG', () => editManifest((m) => (m.config.nEmbd = 4096))],
    ['a vocabulary that repeats a character', 'VOCAB', () => editManifest((m) => (m.vocab = '["a","a"]'))],
  ])('rejects %s with %s', async (_what, expected, make) => {
    const bytes = await make();
    expect(await code(() => importCheckpoint(bytes))).toBe(expected);
  });

  it('refuses to save states that would not load back, with the code load would give', async () => {
    const s = makeState();
    expect(await code(() => toParts({ ...s, params: s.params.map((v, i) => (i === 5 ? NaN : v)) }))).toBe('NONFINITE');
    expect(await code(() => toParts({ ...s, params: s.params.subarray(1) }))).toBe('STATE');
    expect(await code(() => toParts({ ...s, step: 101 }))).toBe('STATE');
    expect(await code(() => toParts({ ...s, history: [{ n: 1n }] }))).toBe('STATE');
    expect(await code(() => toParts({ ...s, vocab: 'nope' }))).toBe('VOCAB');
    const sh = s.optimizer.shards[0];
    expect(await code(() => toParts({ ...s, optimizer: { ...s.optimizer, shards: [{ ...sh, hi: sh.hi - 1, slots: sh.slots.map((d) => d.subarray(1)) }] } }))).toBe('SHARDS');
  });
  it('verifies parts: a changed tensor is a HASH error, a NaN with a matching hash is NONFINITE', async () => {
    const parts = await toParts(makeState());
    const w = parts.tensors.get('transformer.wte.weight')!.slice();
    w[0] += 1;
    expect(await code(() => fromParts({ ...parts, tensors: new Map([...parts.tensors, ['transformer.wte.weight', w]]) }))).toBe('HASH');
    w[0] = NaN;
    const m = structuredClone(parts.manifest);
    m.tensors[0].sha256 = await sha256Hex(new Uint8Array(w.buffer));
    expect(await code(() => fromParts({ manifest: m, tensors: new Map([...parts.tensors, ['transformer.wte.weight', w]]) }))).toBe('NONFINITE');
    expect(await code(() => fromParts({ ...parts, tensors: new Map([...parts.tensors, ['ringlab.x', new Float32Array(1)]]) }))).toBe('EXTRA');
  });
  it('migrates older manifests through the table, step by step, and refuses gaps', async () => {
    const up = { 1: (m: Record<string, unknown>) => ({ ...m, version: 2, added: true }), 2: (m: Record<string, unknown>) => ({ ...m, version: 3, renamed: m.added }) };
    expect(migrateManifest({ version: 1, x: 1 }, up, 3)).toEqual({ version: 3, x: 1, added: true, renamed: true });
    expect(migrateManifest({ version: 3 }, up, 3)).toEqual({ version: 3 });
    expect(await code(async () => migrateManifest({ version: 1 }, { 2: up[2] }, 3))).toBe('VERSION');
    expect(await code(async () => migrateManifest({ version: 1 }, { 1: (m) => m }, 2))).toBe('VERSION'); // a migration that forgets the version
    expect(await code(async () => migrateManifest({ version: 1 }, { 1: () => { throw new TypeError('bad'); } }, 2))).toBe('VERSION');
    expect(await code(async () => migrateManifest({ version: 10n }))).toBe('VERSION'); // a BigInt, as a tampered store record could hold
  });
});
