// Texts of one's own in IndexedDB (through `idb`), kept across reloads: database 'ringlab-texts', one
// object store `texts` keyed by name, {name, bytes, size, savedAt}. A database of its own, so its
// upgrades never meet the checkpoint or run databases. Written only with bytes that passed ownDataset
// (ownText.ts); the data worker reads them back for a run. Used from the page and from the data worker.
// Legend: sizes in bytes, savedAt in ms since the epoch.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const TEXTS_DB = 'ringlab-texts';
const DB_VERSION = 1;

export interface TextSummary { name: string; size: number; savedAt: number }
interface TextRecord extends TextSummary { bytes: ArrayBuffer }

interface TextsDB extends DBSchema {
  texts: { key: string; value: TextRecord };
}

let db: Promise<IDBPDatabase<TextsDB>> | null = null;
const open = () => (db ??= openDB<TextsDB>(TEXTS_DB, DB_VERSION, {
  upgrade(d) {
    d.createObjectStore('texts', { keyPath: 'name' });
  },
}));

/** A failed write as a message that says what happened to the earlier texts (nothing). */
function writeError(e: unknown, name: string): Error {
  const n = (e as { name?: string } | null)?.name;
  if (n === 'QuotaExceededError') return new Error(`${name} was not kept: the browser's storage for this page is full (delete texts, runs or checkpoints to make room); nothing else was changed`);
  return new Error(`${name} was not kept: ${e instanceof Error ? e.message : String(e)}`);
}

/** Keep `bytes` under `name`, replacing a text of that name (one transaction: all or nothing). */
export async function putText(name: string, bytes: Uint8Array, now = Date.now()): Promise<TextSummary> {
  const rec: TextRecord = { name, size: bytes.length, savedAt: now, bytes: bytes.slice().buffer };
  try {
    await (await open()).put('texts', rec);
  } catch (e) {
    throw writeError(e, name);
  }
  return { name, size: rec.size, savedAt: rec.savedAt };
}

/** The bytes of text `name`, or null when this browser does not have it. */
export async function getText(name: string): Promise<Uint8Array | null> {
  const r = await (await open()).get('texts', name);
  return r ? new Uint8Array(r.bytes) : null;
}

/** Every text kept, by name (bytes left out). */
export async function listTexts(): Promise<TextSummary[]> {
  const d = await open();
  const out: TextSummary[] = [];
  // a cursor, so listing does not read every text's bytes into one array at once
  for (let c = await d.transaction('texts').store.openCursor(); c; c = await c.continue()) {
    out.push({ name: c.value.name, size: c.value.size, savedAt: c.value.savedAt });
  }
  return out;
}

/** Remove text `name` (no error when absent). */
export async function deleteText(name: string): Promise<void> {
  await (await open()).delete('texts', name);
}
