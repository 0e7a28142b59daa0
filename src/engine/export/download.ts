// The page's downloads, built from a training state alone (pure; run in a worker, since the bundle holds
// the whole token stream and a few copies of the weights):
//   <name>-step<S>.safetensors   the weights under nanoGPT's names, as `npm run train --out` writes
//                                final.safetensors (vocabulary, model config and settings in __metadata__)
//   <name>-bundle.tar            the nanoGPT bundle of `npm run export` (bundle.ts), the same files, under
//                                one directory <name>-bundle/; unpacked in nanoGPT's root, the converter's
//                                command is `python <name>-bundle/to_nanogpt.py`
// Legend: S = the state's step, V = vocabulary size.

import type { TrainingState } from '../checkpoint/manifest';
import { modelConfigOf } from '../config';
import { CharTokenizer } from '../data/tokenizer';
import { exportWeights } from '../train/weights';
import { nanoGptBundle, type Bundle, type BundleInput } from './bundle';
import { bundleName } from './name';
import { tarArchive } from './tar';

/** What the page's bundles say they were made from (README.md, the config's header). */
export const PAGE_SOURCE = 'the playground';

/** The directory a page bundle unpacks into (the tar's one top-level entry). */
export const bundleRoot = (name: string): string => `${name}-bundle`;

export interface Download { fileName: string; bytes: Uint8Array }

/** The weights of `state` as the CLI's final.safetensors: nanoGPT names, settings as `run_config`. */
export function weightsDownload(state: TrainingState, name = bundleName(state.config.data)): Download {
  const tokenizer = CharTokenizer.fromJSON(state.vocab);
  const bytes = exportWeights(modelConfigOf(state.config, tokenizer.vocabSize), state.params, tokenizer, { run_config: JSON.stringify(state.config) });
  return { fileName: `${name}-step${state.step}.safetensors`, bytes };
}

/** The nanoGPT bundle of `state` as one tar file, and the bundle (its commands and notes). Throws
 *  ExportError as nanoGptBundle does (an SGD run, other data, a bad name). `mtime`: seconds since the epoch. */
export async function bundleDownload(input: BundleInput, mtime?: number): Promise<Download & { bundle: Bundle }> {
  const name = input.name ?? bundleName(input.state.config.data);
  const root = bundleRoot(name);
  const bundle = await nanoGptBundle({ source: PAGE_SOURCE, dir: root, ...input, name });
  return { fileName: `${root}.tar`, bytes: tarArchive(bundle.files, root, mtime), bundle };
}
