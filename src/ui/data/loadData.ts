// The page's side of the data worker (data.worker.ts): one worker for the page's lifetime, started on
// first use. The main thread receives finished token streams and only rebuilds the small tokenizer.
import * as Comlink from 'comlink';
import type { Dataset } from '../../engine/data/dataset';
import type { DeviceData } from '../../engine/dist/device';
import { CharTokenizer } from '../../engine/data/tokenizer';
import { envStore } from '../../state/envStore';
import type { DataApi } from './data.worker';

/** The page's base as an absolute URL, on the main thread: the build uses relative URLs (vite `base:
 *  './'`, so the site works under any path prefix), and a relative URL fetched in a worker would resolve
 *  against the worker's script in assets/, not against the page. */
const pageBase = (): string => new URL(import.meta.env.BASE_URL, document.baseURI).href;

let api: Comlink.Remote<DataApi> | null = null;
export const dataWorker = () => (api ??= Comlink.wrap<DataApi>(new Worker(new URL('./data.worker.ts', import.meta.url), { type: 'module', name: 'data' })));

/** The data set named by the `data` setting, read and tokenized in the data worker, and one copy of its
 *  token streams for each of `n` devices (for the first device group of a run). */
export async function loadData(name: string, n: number): Promise<{ data: Dataset; copies: DeviceData[] }> {
  const d = await dataWorker().load(name, n, pageBase());
  const tokenizer = new CharTokenizer(d.chars);
  envStore.setState((s) => ({ vocab: { ...s.vocab, [name]: tokenizer.vocabSize } }));
  return { data: { name: d.name, tokenizer, train: d.train, val: d.val }, copies: d.copies.map((c) => ({ ...c, vocabSize: tokenizer.vocabSize })) };
}

/** Learn a data set's vocabulary size (for the memory estimate) without waiting for a run; never throws. */
export function learnVocab(name: string): void {
  if (envStore.getState().vocab[name]) return;
  dataWorker().vocabSize(name, pageBase()).then(
    (V) => envStore.setState((s) => ({ vocab: { ...s.vocab, [name]: V } })),
    () => undefined, // the run reports a data set that cannot be read
  );
}
