// Reading and tokenizing a data set off the main thread: the Brown corpus is ~1.4 MB of text, and
// decoding, building its vocabulary and encoding it would block the page for a long task. The worker
// keeps each data set it has read, and hands out copies of the token streams (transferred, not cloned).
// It belongs with the other workers in src/workers; it sits here until that layer takes it.
// Legend: V = vocabulary size; tokens are Uint16 ids.
import * as Comlink from 'comlink';
import type { Dataset } from '../../engine/data/dataset';
import { isOwnTextName, ownDataset } from '../../state/ownText';
import { getText, putText, type TextSummary } from '../../state/textStore';
import { loadBrowserData } from './browserData';

interface Tokens { train: Uint16Array; val: Uint16Array }
export interface LoadedData extends Tokens { name: string; chars: string[]; copies: Tokens[] }

/** An import's outcome, as data (an Error's message survives comlink, its class does not). */
export type ImportResult = { ok: true; text: TextSummary; chars: number; vocabSize: number } | { ok: false; message: string };

/** A text of one's own, from this browser's IndexedDB. */
async function ownText(name: string): Promise<Dataset> {
  const bytes = await getText(name);
  if (!bytes) throw new Error(`'${name}' is a text of your own that this browser does not have: import it under "Your own text"`);
  return ownDataset(name, bytes);
}

const cache = new Map<string, Promise<Dataset>>();
const get = (name: string, base: string) => {
  let p = cache.get(name);
  if (!p) {
    p = isOwnTextName(name) ? ownText(name) : loadBrowserData(name, base);
    cache.set(name, p);
    p.catch(() => cache.delete(name)); // a failed load is retried next time
  }
  return p;
};

const api = {
  /** Check `bytes` as a data set (UTF-8 text, vocabulary), then keep it in IndexedDB as `name`; an earlier
   *  text of that name is replaced only when the new one is good. */
  async importText(name: string, bytes: Uint8Array): Promise<ImportResult> {
    try {
      const ds = ownDataset(name, bytes);
      const text = await putText(name, bytes);
      cache.set(name, Promise.resolve(ds));
      return { ok: true, text, chars: ds.train.length + ds.val.length, vocabSize: ds.tokenizer.vocabSize };
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  },
  /** Drop a data set read earlier (a text deleted or replaced). */
  forget(name: string): void {
    cache.delete(name);
  },
  /** `base`: the page's base URL (pageBase()), which the worker cannot know from its own location. */
  async vocabSize(name: string, base: string): Promise<number> {
    return (await get(name, base)).tokenizer.vocabSize;
  },
  /** The data set's token streams, and `n` more copies of them, one per device worker: made here, so the
   *  page's main thread hands them on by transfer instead of cloning the corpus once per device. */
  async load(name: string, n: number, base: string): Promise<LoadedData> {
    const ds = await get(name, base);
    const [own, ...copies] = Array.from({ length: n + 1 }, () => ({ train: ds.train.slice(), val: ds.val.slice() }));
    const buffers = [own, ...copies].flatMap((c) => [c.train.buffer, c.val.buffer]);
    return Comlink.transfer({ name: ds.name, chars: [...ds.tokenizer.chars], ...own, copies }, buffers);
  },
};

export type DataApi = typeof api;
Comlink.expose(api);
