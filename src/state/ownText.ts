// A text of one's own as a data set in the page: the checks made before and while importing a .txt file,
// pure (no IndexedDB, no DOM). The text is named by its file's base name, the name a link carries as
// `dataFile=NAME` (src/engine/link.ts) and the `data` setting holds, as `npm run train --data NAME` would.
// The bytes are checked by the engine's strict decoder (src/engine/data/text.ts), which names the byte
// offset of the first byte that is not UTF-8 text, and tokenized as the CLI tokenizes a file.
// Legend: V = vocabulary size (characters); sizes in bytes.
import { makeDataset, type Dataset } from '../engine/data/dataset';
import { decodeText, TextDataError } from '../engine/data/text';
import { DATA_FILE_NAME } from '../engine/link';
import { linkableData } from '../engine/link-values';

/** The largest text the page imports: 8 MiB. The page keeps the bytes in IndexedDB and, per run, two
 *  bytes per character of tokens in the data worker, in the main thread and in every device worker (N+2
 *  copies: 8 device workers x 16 MiB stay well inside a tab); the Brown corpus is 1.4 MB. */
export const MAX_TEXT_BYTES = 8 * 2 ** 20;

const bytes = (b: number) => `${b.toLocaleString('en-US')} bytes`;

/** Why a file cannot be imported from its name and size alone (before reading it), or null. */
export function textFileProblem(name: string, size: number): string | null {
  if (!DATA_FILE_NAME.test(name)) return `'${name}' cannot name a data set: use a file name of 1 to 100 characters without '/', '\\' or control characters`;
  if (linkableData(name)) return `'${name}' is the name of a built-in data set; rename the file (for example ${name}.txt)`;
  if (size > MAX_TEXT_BYTES) return `${name} is ${bytes(size)}, more than the ${bytes(MAX_TEXT_BYTES)} (${MAX_TEXT_BYTES / 2 ** 20} MiB) the page takes; use a shorter text (or train on it with npm run train --data FILE)`;
  if (size === 0) return `${name} is empty`;
  return null;
}

/** The data set of an imported text's bytes, split and tokenized as `npm run train --data FILE` does;
 *  throws Error with a message that names the file (and the byte offset of bytes that are not text). */
export function ownDataset(name: string, bytes: Uint8Array): Dataset {
  const text = decodeNamed(name, bytes);
  try {
    return makeDataset(name, text, 0.1);
  } catch (e) {
    throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** `bytes` as strict UTF-8 text; a decoding error (TextDataError) is rethrown as an Error whose message
 *  begins with `what`, the text's name. */
export function decodeNamed(what: string, bytes: Uint8Array): string {
  try {
    return decodeText(bytes);
  } catch (e) {
    throw e instanceof TextDataError ? new Error(`${what} ${e.message}`) : e;
  }
}

/** Whether a `data` value names a text of one's own (not the Brown corpus or a synthetic task). */
export const isOwnTextName = (data: string): boolean => !linkableData(data) && DATA_FILE_NAME.test(data);
