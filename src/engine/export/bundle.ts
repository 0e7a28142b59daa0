// A nanoGPT bundle as files (paths relative to the bundle directory), for the CLI to write and the page to
// offer as a download (tar.ts packs them into one file):
//   README.md, bundle.json, checkpoint.safetensors, to_nanogpt.py,
//   config/<name>.py, data/<name>/train.bin, data/<name>/val.bin, data/<name>/vocab.json
// bundle.json is what the converter needs beyond the checkpoint and the config file (which it reads for
// out_dir, dataset and ckpt['config']): {format, version, name, config, checkpoint, best_val_loss}.

import { exportCheckpoint } from '../checkpoint/file';
import { hashTokens } from '../checkpoint/hash';
import type { TrainingState } from '../checkpoint/manifest';
import { CharTokenizer } from '../data/tokenizer';
import { numParams } from '../model/params';
import { modelConfigOf } from '../config';
import { converterCommand, cpuCommand, torchrunCommand } from './commands';
import { CONVERTER } from './converter';
import { tokenBin } from './data';
import { ExportError } from './errors';
import { bundleName, checkName, outDirOf } from './name';
import { bundleReadme } from './readme';
import { nanoGptSettings, renderConfig } from './settings';

export const BUNDLE_FORMAT = 'ringlab-nanogpt-bundle';
export const BUNDLE_VERSION = 1;
/** The checkpoint's file name inside a bundle. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export interface BundleInput {
  state: TrainingState;
  /** The checkpoint file as it is (written unchanged); exportCheckpoint(state) when absent. */
  checkpoint?: Uint8Array;
  /** The run's token streams, split as the engine splits them (makeDataset). */
  train: Uint16Array;
  val: Uint16Array;
  /** Bundle name (default bundleName(config.data)). */
  name?: string;
  /** What the bundle is made from, for README.md and the config's header (a path, "the playground"). */
  source?: string;
  /** Where the bundle will be unpacked, for the converter's command (default 'ringlab-export'). */
  dir?: string;
}

export interface BundleFile { path: string; data: Uint8Array }

export interface Bundle {
  name: string;
  files: BundleFile[];
  /** What does not carry over for this run's settings. */
  notes: string[];
  /** The commands in order: the converter, then torchrun (CUDA) or the CPU command. */
  commands: { convert: string; torchrun: string; cpu: string };
}

/** The lowest validation loss the run recorded (nanoGPT's best_val_loss), or nanoGPT's initial 1e9. */
export function bestValLoss(history: unknown[]): number {
  let best = 1e9;
  for (const h of history) {
    const v = (h as { valLoss?: unknown } | null)?.valLoss;
    if (typeof v === 'number' && Number.isFinite(v) && v < best) best = v;
  }
  return best;
}

/** The training loss of the state's own step, as the run's checkpoint at that step records it for
 *  listings (so a state made into a file again gives the run's checkpoint file byte for byte). */
function stepLoss(state: TrainingState): number | null {
  const last = state.history.at(-1) as { step?: unknown; loss?: unknown } | undefined;
  return last?.step === state.step && typeof last.loss === 'number' ? last.loss : null;
}

/** Every file of the bundle that continues `state` in nanoGPT. Throws ExportError: OPTIMIZER for an SGD
 *  run, DATA when the streams are not the ones the checkpoint was trained on, NAME for a bad name. */
export async function nanoGptBundle(input: BundleInput): Promise<Bundle> {
  const { state, train, val } = input;
  const c = state.config;
  if (state.optimizer.name !== 'adamw') {
    throw new ExportError('OPTIMIZER', `this run trains with ${state.optimizer.name}; nanoGPT's train.py trains with AdamW only, so it cannot continue it (its weights load into nanoGPT's GPT as they are)`);
  }
  if ((await hashTokens(train)) !== state.dataHash) {
    throw new ExportError('DATA', `the data is not the data this checkpoint was trained on ('${c.data}': its training tokens' SHA-256 differs)`);
  }
  const name = checkName(input.name ?? bundleName(c.data));
  const vocabSize = CharTokenizer.fromJSON(state.vocab).vocabSize;
  const settings = nanoGptSettings(c, name, vocabSize);
  const freshOptimizer = state.optimizer.t === 0;
  if (freshOptimizer && state.step > 0) settings.notes.unshift('the optimizer state: the source holds weights only, so AdamW starts afresh (m = v = 0) at this step');
  const source = input.source ?? 'a ringlab run';
  const dir = input.dir ?? 'ringlab-export';
  const commands = { convert: converterCommand(dir), torchrun: torchrunCommand(c, name), cpu: cpuCommand(name) };
  const config = renderConfig(settings, [
    `nanoGPT config written by \`npm run export\` (ringlab) from ${source}: step ${state.step} of ${c.steps}.`,
    `From nanoGPT's root: first \`${commands.convert}\` (writes ${outDirOf(name)}/ckpt.pt and data/${name}/meta.pkl), then`,
    `  ${commands.torchrun}`,
    `or without CUDA:`,
    `  ${commands.cpu}`,
  ]);
  const manifest = {
    format: BUNDLE_FORMAT, version: BUNDLE_VERSION, name, config: `config/${name}.py`, checkpoint: CHECKPOINT_FILE, best_val_loss: bestValLoss(state.history),
  };
  const readme = bundleReadme({
    name, config: c, step: state.step, vocabSize, params: numParams(modelConfigOf(c, vocabSize)), source, dir, freshOptimizer, notes: settings.notes,
  });
  const text = (s: string) => new TextEncoder().encode(s);
  const files: BundleFile[] = [
    { path: 'README.md', data: text(readme) },
    { path: 'bundle.json', data: text(JSON.stringify(manifest, null, 2) + '\n') },
    { path: CHECKPOINT_FILE, data: input.checkpoint ?? await exportCheckpoint(state, { loss: stepLoss(state) }) },
    { path: 'to_nanogpt.py', data: text(CONVERTER) },
    { path: `config/${name}.py`, data: text(config) },
    { path: `data/${name}/train.bin`, data: tokenBin(train, vocabSize, 'train.bin') },
    { path: `data/${name}/val.bin`, data: tokenBin(val, vocabSize, 'val.bin') },
    { path: `data/${name}/vocab.json`, data: text(state.vocab + '\n') },
  ];
  return { name, files, notes: settings.notes, commands };
}
