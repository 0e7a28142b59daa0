// A checkpoint as ONE .safetensors file: the weights under nanoGPT's names (so nanoGPT's GPT loads it with
// load_state_dict(strict=False), and `npm run eval --weights` reads it), the EMA and optimizer state under
// `ringlab.` names (manifest.ts), and in __metadata__ (string values only):
//   format "ringlab-gpt", version "1", config (the model shape), vocab   as a plain weights file
//   checkpoint          the manifest as JSON: settings, counters, scaler, optimizer meta, history and
//                       the SHA-256 of every tensor
//   checkpoint_sha256   SHA-256 of the `checkpoint` string's UTF-8 bytes: the manifest is checked too, so
//                       a flipped bit anywhere in the file is either a structural error or a HASH error
// Import validates in order, each failure a CheckpointError: the safetensors structure (header bound,
// JSON, dtypes, offsets, overlap, coverage, lengths, finiteness), the metadata, the manifest's digest,
// the manifest itself, the header against the manifest, then every tensor's hash.

import { concatBytes } from '../bytes';
import { modelConfigOf } from '../config';
import { CharTokenizer } from '../data/tokenizer';
import { checkTensors, decodeSafetensors, encodeSafetensorsChunks, MAX_HEADER } from '../safetensors';
import { CHECKPOINT_KEY, WEIGHTS_FORMAT, WEIGHTS_VERSION } from '../train/weights';
import { asCheckpointError, fail } from './errors';
import { sha256Hex } from './hash';
import { parseManifest, type TrainingState } from './manifest';
import { fromParts, toParts, type CheckpointParts } from './parts';

/** __metadata__ key of the manifest's SHA-256. */
export const MANIFEST_HASH_KEY = 'checkpoint_sha256';

/** True when a safetensors file's metadata marks it as a checkpoint (not only weights). */
export const isCheckpointMetadata = (metadata: Record<string, string>): boolean => Object.hasOwn(metadata, CHECKPOINT_KEY);

/** The .safetensors file of parts as pieces to write in order (header, then views of the tensors: no
 *  copy of the data), for writers that stream. Throws HEADER_SIZE when the manifest (mostly its history)
 *  would make the header larger than readers accept (100 MB). */
export async function checkpointFileChunks(p: CheckpointParts): Promise<Uint8Array[]> {
  const m = p.manifest;
  const json = JSON.stringify(m);
  const metadata = {
    format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION,
    config: JSON.stringify(modelConfigOf(m.config, CharTokenizer.fromJSON(m.vocab).vocabSize)), vocab: m.vocab,
    [CHECKPOINT_KEY]: json, [MANIFEST_HASH_KEY]: await sha256Hex(new TextEncoder().encode(json)),
  };
  const chunks = encodeSafetensorsChunks(m.tensors.map((e) => [e.name, { shape: e.shape, data: p.tensors.get(e.name)! }]), metadata);
  const n = chunks[0].length - 8;
  if (n > MAX_HEADER) fail('HEADER_SIZE', `the checkpoint header would be ${n} bytes (limit ${MAX_HEADER}); the history is too long to export`);
  return chunks;
}

/** The .safetensors bytes of verified or freshly hashed parts (one buffer; errors as checkpointFileChunks). */
export async function fileFromParts(p: CheckpointParts): Promise<Uint8Array> {
  return concatBytes(await checkpointFileChunks(p));
}

/** A training state as one .safetensors file (see the legend). Errors as toParts. */
export async function exportCheckpoint(state: TrainingState, opts: { loss?: number | null } = {}): Promise<Uint8Array> {
  return fileFromParts(await toParts(state, opts));
}

/** Parse a checkpoint file into parts whose manifest is verified (digest) and validated, and whose
 *  tensors match it in name, order and shape; tensor hashes are checked by fromParts. The tensors may be
 *  views into `bytes`. */
export async function partsFromFile(bytes: Uint8Array): Promise<CheckpointParts> {
  // views into `bytes`, not copies: fromParts copies once into the state
  const { tensors, metadata } = asCheckpointError(() => decodeSafetensors(bytes, { copy: false }));
  if (!isCheckpointMetadata(metadata)) {
    fail('FORMAT', metadata.format === WEIGHTS_FORMAT ? 'this is a weights file without training state: it cannot resume training (use it with npm run eval)' : 'not a ringlab checkpoint (no checkpoint metadata)');
  }
  if (metadata.format !== WEIGHTS_FORMAT || metadata.version !== WEIGHTS_VERSION) {
    fail('METADATA', `__metadata__ format/version ${JSON.stringify(metadata.format)}/${JSON.stringify(metadata.version)} are not ${WEIGHTS_FORMAT}/${WEIGHTS_VERSION}`);
  }
  const json = metadata[CHECKPOINT_KEY];
  const digest = await sha256Hex(new TextEncoder().encode(json));
  if (digest !== metadata[MANIFEST_HASH_KEY]) fail('HASH', 'the checkpoint manifest does not match its SHA-256; the file is corrupt');
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    fail('METADATA', 'the checkpoint manifest is not JSON');
  }
  const manifest = parseManifest(raw);
  // the plain-weights metadata must say what the manifest says (nanoGPT and eval read those keys)
  const model = JSON.stringify(modelConfigOf(manifest.config, CharTokenizer.fromJSON(manifest.vocab).vocabSize));
  if (metadata.config !== model || metadata.vocab !== manifest.vocab) fail('STATE', '__metadata__ config/vocab disagree with the checkpoint manifest');
  asCheckpointError(() => checkTensors(tensors, manifest.tensors, 'the manifest lists'));
  return { manifest, tensors: new Map(manifest.tensors.map((e) => [e.name, tensors.get(e.name)!.data])) };
}

/** Parse, validate and verify a checkpoint file into a training state. Throws CheckpointError only
 *  (codes of safetensors.ts plus FORMAT, METADATA, HASH, VERSION, CONFIG, VOCAB, STATE, SHARDS). */
export async function importCheckpoint(bytes: Uint8Array): Promise<TrainingState> {
  return fromParts(await partsFromFile(bytes));
}
