// The page's side of the data worker (data.worker.ts): one worker for the page's lifetime, started on
// first use. The main thread receives finished token streams and only rebuilds the small tokenizer.
import * as Comlink from 'comlink';
import type { Dataset } from '../../engine/data/dataset';
import type { DeviceData } from '../../engine/dist/device';
import { CharTokenizer } from '../../engine/data/tokenizer';
import { envStore } from '../../state/envStore';
import type { DataApi } from './data.worker';

let api: Comlink.Remote<DataApi> | null = null;
const worker = () => (api ??= Comlink.wrap<DataApi>(new Worker(new URL('./data.worker.ts', import.meta.url), { type: 'module', name: 'data' })));

/** The data set named by the `data` setting, read and tokenized in the data worker. */
export async function loadData(name: string): Promise<Dataset> {
  const d = await worker().load(name);
  const tokenizer = new CharTokenizer(d.chars);
  envStore.setState((s) => ({ vocab: { ...s.vocab, [name]: tokenizer.vocabSize } }));
  return { name: d.name, tokenizer, train: d.train, val: d.val };
}

/** One copy of the data set's token streams per device (for the first device group of a run). */
export async function deviceCopies(name: string, n: number, vocabSize: number): Promise<DeviceData[]> {
  return (await worker().copies(name, n)).map((c) => ({ ...c, vocabSize }));
}

/** Learn a data set's vocabulary size (for the memory estimate) without waiting for a run; never throws. */
export function learnVocab(name: string): void {
  if (envStore.getState().vocab[name]) return;
  worker().vocabSize(name).then(
    (V) => envStore.setState((s) => ({ vocab: { ...s.vocab, [name]: V } })),
    () => undefined, // the run reports a data set that cannot be read
  );
}
