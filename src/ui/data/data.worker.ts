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
const get = (name: string, base: string) => {
  let p = cache.get(name);
  if (!p) {
    p = loadBrowserData(name, base);
    cache.set(name, p);
    p.catch(() => cache.delete(name)); // a failed load is retried next time
  }
  return p;
};

const api = {
  /** `base`: the page's base URL (pageBase()), which the worker cannot know from its own location. */
  async vocabSize(name: string, base: string): Promise<number> {
    return (await get(name, base)).tokenizer.vocabSize;
  },
  async load(name: string, base: string): Promise<LoadedData> {
    const ds = await get(name, base);
    const train = ds.train.slice(), val = ds.val.slice();
    return Comlink.transfer({ name: ds.name, chars: [...ds.tokenizer.chars], train, val }, [train.buffer, val.buffer]);
  },
};

export type DataApi = typeof api;
Comlink.expose(api);
