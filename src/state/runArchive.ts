// Finished runs in IndexedDB (through `idb`): database 'ringlab-runs', one object store `runs` keyed by
// id. A database of its own, so its upgrades never meet the checkpoint database's ('ringlab'). Records
// carry `format` (runHistory.ts SavedRun); a record this build cannot read is skipped, never fatal.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RunArchive, SavedRun } from './runHistory';

export const RUNS_DB = 'ringlab-runs';
const DB_VERSION = 1;

interface RunsDB extends DBSchema {
  runs: { key: string; value: SavedRun };
}

const readable = (r: unknown): r is SavedRun => !!r && typeof r === 'object' && (r as SavedRun).format === 1 && typeof (r as SavedRun).id === 'string' && !!(r as SavedRun).curve;

/** The archive in this page's IndexedDB (tests: fake-indexeddb); null where there is none. */
export function idbArchive(): RunArchive | null {
  if (typeof indexedDB === 'undefined') return null;
  let db: Promise<IDBPDatabase<RunsDB>> | null = null;
  const open = () => (db ??= openDB<RunsDB>(RUNS_DB, DB_VERSION, {
    upgrade(d) {
      d.createObjectStore('runs', { keyPath: 'id' });
    },
  }));
  return {
    async list() {
      return (await (await open()).getAll('runs')).filter(readable);
    },
    async put(run) {
      await (await open()).put('runs', run);
    },
    async remove(id) {
      await (await open()).delete('runs', id);
    },
  };
}
