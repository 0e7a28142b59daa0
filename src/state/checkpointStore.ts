// Checkpoints in the browser: IndexedDB through `idb`. One database, grown by versioned upgrades:
//   checkpoints  {id, run, step, loss, savedAt, bytes}     summaries (listings read only these); index `run`
//   manifests    {id, manifest}                           the checkpoint manifest (settings, hashes, history)
//   tensors      {id, name, data: ArrayBuffer}            key [id, name]: one record per tensor
//   runs         {id, config, summary, history}           finished runs (reserved: nothing writes it yet)
// A save hashes every tensor BEFORE its transaction opens (awaiting anything else inside an IndexedDB
// transaction lets it auto-commit half done), then writes tensors, manifest and summary in ONE readwrite
// transaction with durability 'strict' (committed to disk before `complete`): a checkpoint is all there
// or not at all. Old checkpoints are pruned only after that commit. Load reads one checkpoint in one
// readonly transaction, then verifies hashes and finiteness outside it.
// Ids: `<run>/step-<n>`; one store object serves one run (the page's current run by default); forRun
// gives another run's store on the same connection, listAll every run's checkpoints (the page's list).

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import {
  CheckpointError, fromParts, partsBytes, pruneStore,
  type CheckpointManifest, type CheckpointParts, type CheckpointStore, type CheckpointSummary, type TrainingState,
} from '../engine/checkpoint';

export const DB_NAME = 'ringlab';
/** Schema version of the database; each version's upgrade step lives in `upgrade` below. */
export const DB_VERSION = 1;

/** A checkpoint of any run, as the page's list shows it (and as its summary record is stored). */
export interface RunCheckpointSummary extends CheckpointSummary { run: string }
interface TensorRecord { id: string; name: string; data: ArrayBuffer }

interface RinglabDB extends DBSchema {
  checkpoints: { key: string; value: RunCheckpointSummary; indexes: { run: string } };
  manifests: { key: string; value: { id: string; manifest: CheckpointManifest } };
  tensors: { key: [string, string]; value: TensorRecord };
  // unused: finished runs are kept in their own database (runArchive.ts, `ringlab-runs`); this store stays
  // only because dropping it needs a database version bump
  runs: { key: string; value: unknown };
}

/** What the store needs of navigator.storage (injectable for tests; null where there is none). */
export type StorageLike = Pick<StorageManager, 'estimate' | 'persist'>;

export interface IdbStoreOptions {
  /** which run's checkpoints this store handles (default "current") */
  run?: string;
  /** database name (default "ringlab") */
  dbName?: string;
  /** default navigator.storage when present */
  storage?: StorageLike | null;
}

/** Every tensor record of checkpoint `id`: arrays sort after strings in IndexedDB, so [id, []] closes it. */
const tensorRange = (id: string) => IDBKeyRange.bound([id], [id, []]);

const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

/** A failed IndexedDB operation as a CheckpointError: QuotaExceededError (on the request, as the
 *  transaction's error, or wrapped in an AbortError) is QUOTA; anything else IO. */
export function storageError(e: unknown, tx: { error: DOMException | null } | null, what: string): CheckpointError {
  if (e instanceof CheckpointError) return e;
  const err = e as { name?: string; code?: number; message?: string; cause?: { name?: string }; inner?: { name?: string } } | null;
  const names = [err?.name, err?.cause?.name, err?.inner?.name, tx?.error?.name];
  if (names.includes('QuotaExceededError') || err?.code === 22 /* legacy QUOTA_EXCEEDED_ERR */) {
    return new CheckpointError('QUOTA', `${what}: the browser's storage for this page is full; nothing was written and every earlier checkpoint is intact (delete old checkpoints or runs to make room)`, { cause: e });
  }
  return new CheckpointError('IO', `${what}: IndexedDB failed (${tx?.error?.name ?? err?.name ?? 'error'}: ${tx?.error?.message || err?.message || 'no detail'})`, { cause: e });
}

/** `op`'s result; a failure becomes storageError(…, what). */
async function guarded<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw storageError(e, null, what);
  }
}

/** Checkpoints of one run in IndexedDB. Create with IdbCheckpointStore.open. */
export class IdbCheckpointStore implements CheckpointStore {
  private constructor(private readonly db: IDBPDatabase<RinglabDB>, readonly run: string, private readonly storage: StorageLike | null, readonly persisted: boolean | null) {}

  /** Open (creating or upgrading) the database, and ask for persistent storage (best effort: the browser
   *  may refuse; `persisted` says what it answered, null when it cannot be asked). */
  static async open(opts: IdbStoreOptions = {}): Promise<IdbCheckpointStore> {
    const storage = opts.storage !== undefined ? opts.storage : (globalThis.navigator?.storage ?? null);
    const db = await guarded('opening the checkpoint database', () => openDB<RinglabDB>(opts.dbName ?? DB_NAME, DB_VERSION, {
      upgrade(db, oldVersion) {
        // One step per version, in order, so any older database reaches DB_VERSION.
        if (oldVersion < 1) {
          db.createObjectStore('checkpoints', { keyPath: 'id' }).createIndex('run', 'run');
          db.createObjectStore('manifests', { keyPath: 'id' });
          db.createObjectStore('tensors', { keyPath: ['id', 'name'] });
          db.createObjectStore('runs', { keyPath: 'id' });
        }
      },
    }));
    // some browsers refuse instead of answering false; checkpoints still work
    const persisted = storage ? await storage.persist().catch(() => null) : null;
    return new IdbCheckpointStore(db, opts.run ?? 'current', storage, persisted);
  }

  /** The checkpoints of run `run` in the same database, on the same connection. */
  forRun(run: string): IdbCheckpointStore {
    return new IdbCheckpointStore(this.db, run, this.storage, this.persisted);
  }

  /** Every run's checkpoints, oldest save first. */
  async listAll(): Promise<RunCheckpointSummary[]> {
    const rows = await guarded('listing checkpoints', () => this.db.getAll('checkpoints'));
    return rows.map(({ id, run, step, loss, savedAt, bytes }) => ({ id, run, step, loss, savedAt, bytes })).sort((a, b) => a.savedAt - b.savedAt || a.step - b.step);
  }

  /** Close the database connection (the store cannot be used afterwards). */
  close(): void {
    this.db.close();
  }

  /** The id a checkpoint of `step` has in this run. */
  idOf(step: number): string {
    return `${this.run}/step-${step}`;
  }

  /** Refuse before writing when the browser says the checkpoint cannot fit (QUOTA). */
  private async checkRoom(bytes: number, step: number): Promise<void> {
    if (!this.storage) return;
    // no estimate: the transaction itself reports a full disk
    const est = await this.storage.estimate().catch(() => null);
    if (est?.quota === undefined || est.usage === undefined) return;
    // IndexedDB stores records with some overhead; 10% + 64 KB keeps the estimate on the safe side.
    const need = Math.ceil(bytes * 1.1) + 65536;
    if (est.usage + need > est.quota) {
      throw new CheckpointError('QUOTA', `checkpoint of step ${step} needs ~${MB(need)} but only ${MB(Math.max(0, est.quota - est.usage))} of the page's ${MB(est.quota)} are free; nothing was written (delete old checkpoints or runs to make room)`);
    }
  }

  async save(parts: CheckpointParts, opts: { keep?: number } = {}): Promise<CheckpointSummary> {
    const m = parts.manifest;
    const id = this.idOf(m.step);
    const summary: CheckpointSummary = { id, step: m.step, loss: m.loss, savedAt: m.savedAt, bytes: partsBytes(parts) };
    await this.checkRoom(summary.bytes, m.step);
    // Compact copies made before the transaction: a typed-array view would store its whole buffer.
    const records: TensorRecord[] = m.tensors.map((e) => ({ id, name: e.name, data: parts.tensors.get(e.name)!.slice().buffer }));
    const what = `saving checkpoint ${id}`;
    let tx;
    try {
      tx = this.db.transaction(['checkpoints', 'manifests', 'tensors'], 'readwrite', { durability: 'strict' });
    } catch (e) {
      throw storageError(e, null, what);
    }
    const ops: Promise<unknown>[] = [];
    try {
      // Same step saved again (a redone step): its old tensors go in the same transaction.
      ops.push(tx.objectStore('tensors').delete(tensorRange(id)));
      for (const r of records) ops.push(tx.objectStore('tensors').put(r));
      ops.push(tx.objectStore('manifests').put({ id, manifest: m }));
      ops.push(tx.objectStore('checkpoints').put({ ...summary, run: this.run })); // the summary last
    } catch (e) {
      // A request refused synchronously (e.g. DataCloneError): abort, or what was queued would commit.
      try {
        tx.abort();
      } catch {
        // already finished or aborting
      }
      await Promise.allSettled([...ops, tx.done]);
      throw storageError(e, tx, what);
    }
    try {
      await Promise.all([...ops, tx.done]);
    } catch (e) {
      await Promise.allSettled([...ops, tx.done]);
      throw storageError(e, tx, what);
    }
    if (opts.keep !== undefined) await this.prune(opts.keep); // only once the new one is committed
    return summary;
  }

  async list(): Promise<CheckpointSummary[]> {
    const rows = await guarded('listing checkpoints', () => this.db.getAllFromIndex('checkpoints', 'run', this.run));
    return rows.map(({ id, step, loss, savedAt, bytes }) => ({ id, step, loss, savedAt, bytes })).sort((a, b) => a.step - b.step);
  }

  /** Read checkpoint `id` in one readonly transaction, then verify it (fromParts: hashes, finiteness). */
  async load(id: string): Promise<TrainingState> {
    const [summary, manifest, tensors] = await guarded(`reading checkpoint ${id}`, () => {
      const tx = this.db.transaction(['checkpoints', 'manifests', 'tensors'], 'readonly');
      return Promise.all([
        tx.objectStore('checkpoints').get(id), tx.objectStore('manifests').get(id), tx.objectStore('tensors').getAll(tensorRange(id)), tx.done,
      ]);
    });
    if (!summary || summary.run !== this.run) throw new CheckpointError('NOT_FOUND', `no checkpoint ${id} in this browser's storage`);
    if (!manifest) throw new CheckpointError('MISSING', `checkpoint ${id} has no manifest`);
    const map = new Map<string, Float32Array>();
    for (const r of tensors) {
      if (!(r.data instanceof ArrayBuffer) || r.data.byteLength % 4 !== 0) throw new CheckpointError('LENGTH', `checkpoint ${id}: tensor ${r.name} is not f32 data`);
      map.set(r.name, new Float32Array(r.data));
    }
    const state = await fromParts({ manifest: manifest.manifest, tensors: map });
    if (this.idOf(state.step) !== id) throw new CheckpointError('STATE', `checkpoint ${id} holds step ${state.step}`);
    return state;
  }

  async delete(id: string): Promise<void> {
    await guarded(`deleting checkpoint ${id}`, () => {
      const tx = this.db.transaction(['checkpoints', 'manifests', 'tensors'], 'readwrite');
      return Promise.all([tx.objectStore('checkpoints').delete(id), tx.objectStore('manifests').delete(id), tx.objectStore('tensors').delete(tensorRange(id)), tx.done]);
    });
  }

  prune(keep: number): Promise<string[]> {
    return pruneStore(this, keep);
  }

  async latest(): Promise<CheckpointSummary | null> {
    return (await this.list()).at(-1) ?? null;
  }
}
