// The page's downloads, built off the main thread: the nanoGPT bundle holds the whole token stream as
// uint16 and the checkpoint file is hashed tensor by tensor (SHA-256), tens of milliseconds and more for
// the Brown corpus, which would be a long task on the page. One worker per download, ended after it.
// Failures come back as data ({ok: false, code, message}): an Error's class and code do not survive
// comlink's cloning.
// Legend: P = parameters.
import * as Comlink from 'comlink';
import type { TrainingState } from '../engine/checkpoint';
import { bundleDownload, ExportError, weightsDownload, type Download } from '../engine/export';
import { parentEndpoint } from './port';

export type DownloadResult = ({ ok: true } & Download) | { ok: false; code: string; message: string };

async function attempt(make: () => Download | Promise<Download>): Promise<DownloadResult> {
  try {
    const d = await make();
    return Comlink.transfer({ ok: true as const, fileName: d.fileName, bytes: d.bytes }, [d.bytes.buffer]);
  } catch (e) {
    return { ok: false, code: e instanceof ExportError ? e.code : 'FAILED', message: e instanceof Error ? e.message : String(e) };
  }
}

const api = {
  /** The weights (P floats) as <name>-step<S>.safetensors under nanoGPT's names. */
  weights: (state: TrainingState): Promise<DownloadResult> => attempt(() => weightsDownload(state)),
  /** The nanoGPT bundle as <name>-bundle.tar; `train`/`val` are the run's token streams. */
  bundle: (state: TrainingState, train: Uint16Array, val: Uint16Array): Promise<DownloadResult> =>
    attempt(() => bundleDownload({ state, train, val })),
};

export type ExportApi = typeof api;
Comlink.expose(api, parentEndpoint());
