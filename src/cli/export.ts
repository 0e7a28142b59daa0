// `npm run export -- --from RUN_DIR|CHECKPOINT --out DIR [--name NAME] [--data FILE]`: writes a bundle that
// continues the run in nanoGPT (files and commands from src/engine/export; docs/export.md).
// --from takes what --resume takes: a run directory (its newest complete checkpoint), its checkpoints/,
// a checkpoint directory (step-<n>/) or a checkpoint .safetensors, written into the bundle as it is.
// A run directory with no complete checkpoint but a final.safetensors (or that file itself) is exported
// from its weights: AdamW starts afresh, at the last step of metrics.jsonl beside it.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CheckpointError, hashTokens, importCheckpoint, type TrainingState } from '../engine/checkpoint';
import { ConfigError, parseConfig } from '../engine/config';
import type { Dataset } from '../engine/data/dataset';
import { CharTokenizer } from '../engine/data/tokenizer';
import { BUNDLE_FORMAT, CHECKPOINT_FILE, checkName, ExportError, nanoGptBundle, stateFromWeights } from '../engine/export';
import { SafetensorsError } from '../engine/safetensors';
import { importWeights } from '../engine/train/weights';
import { readOptionFile, readOptions, UserError } from './args';
import { resolveResume } from './checkpoint-disk';
import { loadData } from './data';
import { runMain } from './main';

const HELP = 'npm run export -- --from RUN_DIR|CHECKPOINT --out DIR [--name NAME] [--data FILE]';
const FINAL = 'final.safetensors';

/** The run's data, encoded with the checkpoint's vocabulary (`given`: --data, else the run's setting). */
function runData(spec: string, given: boolean, tokenizer?: CharTokenizer): Dataset {
  try {
    return loadData(spec, tokenizer);
  } catch (e) {
    if (!(e instanceof UserError) || given) throw e;
    throw new UserError(`the run's data: ${e.message.replace(/^--data: /, '')}; pass the run's text file with --data FILE`);
  }
}

/** The step of the last training line of RUN_DIR/metrics.jsonl (the step final.safetensors was written at). */
function lastStep(runDir: string, file: string): number {
  const metrics = join(runDir, 'metrics.jsonl');
  const fail = () => new UserError(`--from: ${file} holds weights only, and no ${metrics} says at which step; export a checkpoint instead (train with --checkpoint-every M)`);
  if (!existsSync(metrics)) throw fail();
  const steps = readFileSync(metrics, 'utf8').split('\n').flatMap((l) => {
    try {
      const j = JSON.parse(l);
      return typeof j.step === 'number' && typeof j.loss === 'number' ? [j.step] : [];
    } catch {
      return [];
    }
  });
  if (!steps.length) throw fail();
  return steps[steps.length - 1];
}

/** A state from a weights file (final.safetensors): its settings from __metadata__.run_config. */
async function fromWeights(file: string, bytes: Uint8Array, dataFlag: string | undefined): Promise<{ state: TrainingState; data: Dataset }> {
  const w = importWeights(bytes);
  let config;
  try {
    config = parseConfig(JSON.parse(w.metadata.run_config ?? 'null'));
  } catch (e) {
    const why = e instanceof ConfigError ? e.issues[0] : 'it has no run settings (__metadata__.run_config)';
    throw new UserError(`--from: ${file}: ${why}`);
  }
  const step = lastStep(dirname(file), file);
  const data = runData(dataFlag ?? config.data, dataFlag !== undefined);
  // the run tokenized its data with the data's own vocabulary: the same text gives the file's vocabulary
  if (data.tokenizer.toJSON() !== w.tokenizer.toJSON()) throw new UserError(`--from: ${file} was trained on other data than '${dataFlag ?? config.data}' (the vocabularies differ)`);
  return { state: stateFromWeights(config, w.tokenizer, w.params, Math.min(step, config.steps), await hashTokens(data.train)), data };
}

/** The checkpoint file --from points at, or a run directory's final.safetensors when it has no checkpoint. */
async function sourceFile(from: string): Promise<string> {
  try {
    return (await resolveResume(from)).file;
  } catch (e) {
    const final = join(from, FINAL);
    if (e instanceof CheckpointError && e.code === 'NOT_FOUND' && existsSync(final) && statSync(from).isDirectory()) return final;
    if (e instanceof CheckpointError && e.code === 'NOT_FOUND') throw new UserError(`--from: ${e.message}`);
    throw e;
  }
}

/** A file that is not a checkpoint or weights file, named in its one line (the codec's message alone
 *  would not say which file). */
function fileError(file: string, e: unknown): unknown {
  if (e instanceof SafetensorsError || (e instanceof CheckpointError && e.code !== 'NOT_FOUND')) return new UserError(`--from: ${file}: ${e.message}`);
  return e;
}

/** Refuse an --out that is a file, or a non-empty directory that is not an earlier bundle (never overwrite other files). */
function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new UserError(`--out: ${out} is a file, not a directory`);
  const previous = existsSync(join(out, 'bundle.json')) && readFileSync(join(out, 'bundle.json'), 'utf8').includes(BUNDLE_FORMAT);
  if (readdirSync(out).length > 0 && !previous) throw new UserError(`--out: ${out} is not empty and holds no export bundle; choose a new directory`);
}

async function exportBundle(): Promise<void> {
  const f = readOptions(process.argv.slice(2), { from: true, out: true, name: true, data: true, help: false }, `use ${HELP}`);
  if (f.help) {
    console.log(`${HELP}\n  --from   a run directory (its newest complete checkpoint, else its ${FINAL}), a checkpoint directory or file\n  --out    the bundle directory (new, empty, or an earlier bundle)\n  --name   the dataset and config name (default ringlab_<data>)\n  --data   the run's text file, when it is no longer at the path the run recorded`);
    return;
  }
  if (!f.from) throw new UserError(`--from RUN_DIR|CHECKPOINT is required (${HELP})`);
  if (!f.out) throw new UserError(`--out DIR is required (${HELP})`);
  if (f.name !== undefined) checkName(f.name); // before the loading, which can take a while
  checkOut(f.out);
  const file = await sourceFile(f.from);
  const bytes = readOptionFile('--from', file);
  let state: TrainingState, data: Dataset | undefined, checkpoint: Uint8Array | undefined = bytes;
  try {
    state = await importCheckpoint(bytes);
  } catch (e) {
    if (!(e instanceof CheckpointError && e.code === 'FORMAT')) throw fileError(file, e);
    try {
      ({ state, data } = await fromWeights(file, bytes, f.data));
    } catch (e) {
      throw fileError(file, e);
    }
    checkpoint = undefined; // made from the state: the weights file has no training state to copy
    console.error(`${file} holds weights only: the bundle continues from step ${state.step} with a fresh AdamW (m = v = 0)`);
  }
  data ??= runData(f.data ?? state.config.data, f.data !== undefined, CharTokenizer.fromJSON(state.vocab));
  let bundle;
  try {
    bundle = await nanoGptBundle({ state, checkpoint, train: data.train, val: data.val, name: f.name, source: file, dir: resolve(f.out) });
  } catch (e) {
    if (e instanceof ExportError && e.code === 'DATA' && !f.data) throw new UserError(`${e.message}; pass the run's text file with --data FILE`);
    throw e;
  }
  for (const b of bundle.files) {
    mkdirSync(dirname(join(f.out, b.path)), { recursive: true });
    writeFileSync(join(f.out, b.path), b.data);
  }
  const c = state.config;
  console.log(`exported ${file} (step ${state.step} of ${c.steps}) to ${f.out}/: config/${bundle.name}.py, data/${bundle.name}/ ` +
    `(${data.train.length} train / ${data.val.length} val tokens, vocabulary ${data.tokenizer.vocabSize}), ${CHECKPOINT_FILE}, to_nanogpt.py, README.md`);
  for (const n of bundle.notes) console.log(`not carried over: ${n}`);
  console.log(`from nanoGPT's root:\n  ${bundle.commands.convert}\n  ${bundle.commands.torchrun}\nor without CUDA:\n  ${bundle.commands.cpu}`);
}

// an ExportError (a run nanoGPT cannot continue, a bad name) is the user's to fix: one line, exit 2
await runMain('export', () => exportBundle().catch((e) => {
  throw e instanceof ExportError ? new UserError(e.message) : e;
}));

