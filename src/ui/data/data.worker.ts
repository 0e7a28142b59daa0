// Reading and tokenizing a data set off the main thread: the Brown corpus is ~1.4 MB of text, and
// decoding, building its vocabulary and encoding it would block the page for a long task. The worker
// keeps each data set it has read, and hands out copies of the token streams (transferred, not cloned).
// It belongs with the other workers in src/workers; it sits here until that layer takes it.
// Legend: V = vocabulary size; tokens are Uint16 ids.
import * as Comlink from 'comlink';
import type { Dataset } from '../../engine/data/dataset';
import { loadBrowserData } from './browserData';

export interface LoadedData { name: string; chars: string[]; train: Uint16Array; val: Uint16Array }

const cache = new Map<string, Promise<Dataset>>();
const get = (name: string) => {
  let p = cache.get(name);
  if (!p) {
    p = loadBrowserData(name);
    cache.set(name, p);
    p.catch(() => cache.delete(name)); // a failed load is retried next time
  }
  return p;
};

const api = {
  async vocabSize(name: string): Promise<number> {
    return (await get(name)).tokenizer.vocabSize;
  },
  async load(name: string): Promise<LoadedData> {
    const ds = await get(name);
    const train = ds.train.slice(), val = ds.val.slice();
    return Comlink.transfer({ name: ds.name, chars: [...ds.tokenizer.chars], train, val }, [train.buffer, val.buffer]);
  },
  /** `n` more copies of the token streams, one per device worker: made here, so the page's main thread
   *  hands them on by transfer instead of cloning the corpus once per device. */
  async copies(name: string, n: number): Promise<{ train: Uint16Array; val: Uint16Array }[]> {
    const ds = await get(name);
    const out = Array.from({ length: n }, () => ({ train: ds.train.slice(), val: ds.val.slice() }));
    return Comlink.transfer(out, out.flatMap((c) => [c.train.buffer, c.val.buffer]));
  },
};

export type DataApi = typeof api;
Comlink.expose(api);
