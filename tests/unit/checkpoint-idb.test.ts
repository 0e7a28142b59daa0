// Checkpoints in IndexedDB (fake-indexeddb in Node): save/list/load/delete/prune, a save that fails
// inside its transaction (refused put, aborted transaction, QuotaExceededError at commit) leaves every
// earlier checkpoint loadable, and a full quota is refused before writing (QUOTA) without losing anything.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointError, loadNewestValid, toParts, type CheckpointCode } from '../../src/engine/checkpoint';
import { IdbCheckpointStore, type StorageLike } from '../../src/state/checkpointStore';
import { makeState, stateBits } from './checkpoint-helpers';

const big = { steps: 1_000_000 };
const parts = (step: number, seed = step) => toParts(makeState(big, { step, seed }), { loss: 1 / step });
let dbs = 0;
const stores: IdbCheckpointStore[] = [];
async function open(opts: { run?: string; storage?: StorageLike | null; dbName?: string } = {}) {
  const s = await IdbCheckpointStore.open({ dbName: `test-${dbs++}`, storage: null, ...opts });
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function code(p: Promise<unknown>): Promise<CheckpointCode> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as CheckpointError).code;
  }
  throw new Error('expected a CheckpointError');
}

/** Make IDBObjectStore.put misbehave for one tensor record while fn runs. */
async function withFailingPut(how: (store: IDBObjectStore, put: () => IDBRequest) => IDBRequest, fn: () => Promise<void>): Promise<void> {
  const orig = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    const put = () => orig.call(this, value, key);
    return this.name === 'tensors' && (value as { name?: string }).name === 'transformer.h.0.mlp.c_fc.weight' ? how(this, put) : put();
  };
  try {
    await fn();
  } finally {
    IDBObjectStore.prototype.put = orig;
  }
}

/** Abort the request's transaction with an error name, as the browser does when a commit fails. */
const abortWith = (name: string) => (store: IDBObjectStore, put: () => IDBRequest) => {
  const r = put();
  (store.transaction as unknown as { _abort(name: string): void })._abort(name); // fake-indexeddb's "abort a transaction with error"
  return r;
};

describe('IndexedDB checkpoint store', () => {
  it('saves, lists, loads bit-exactly, deletes, prunes and finds the latest, per run', async () => {
    const s = await open({ dbName: 'shared' });
    const other = await open({ dbName: 'shared', run: 'other' });
    for (const step of [3, 12, 5]) await s.save(await parts(step));
    await other.save(await parts(1));
    expect((await s.list()).map((c) => c.step)).toEqual([3, 5, 12]);
    expect((await other.list()).map((c) => c.id)).toEqual(['other/step-1']);
    expect(await s.latest()).toMatchObject({ id: 'current/step-12', step: 12, loss: 1 / 12 });
    expect(stateBits(await s.load('current/step-5'))).toEqual(stateBits(makeState(big, { step: 5, seed: 5 })));
    await s.delete('current/step-5');
    expect(await code(s.load('current/step-5'))).toBe('NOT_FOUND');
    expect(await code(s.load('other/step-1'))).toBe('NOT_FOUND'); // another run's
    for (const step of [20, 21]) await s.save(await parts(step), { keep: 2 });
    expect((await s.list()).map((c) => c.step)).toEqual([20, 21]);
    expect(await s.prune(1)).toEqual(['current/step-20']);
    expect((await other.list()).length).toBe(1);
  });
  it('replaces a checkpoint saved again at the same step', async () => {
    const s = await open();
    await s.save(await parts(4));
    await s.save(await parts(4, 99));
    expect((await s.list()).length).toBe(1);
    expect(stateBits(await s.load('current/step-4'))).toEqual(stateBits(makeState(big, { step: 4, seed: 99 })));
  });
  it.each<[string, CheckpointCode, (store: IDBObjectStore, put: () => IDBRequest) => IDBRequest]>([
    ['a put refused synchronously', 'IO', () => { throw new DOMException('cannot clone', 'DataCloneError'); }],
    ['a transaction aborted mid-save', 'IO', abortWith('AbortError')],
    ['a QuotaExceededError at commit', 'QUOTA', abortWith('QuotaExceededError')],
    ['a QuotaExceededError thrown by put', 'QUOTA', () => { throw new DOMException('full', 'QuotaExceededError'); }],
  ])('%s fails the save with %s, and the earlier checkpoints stay whole and loadable', async (_what, expected, how) => {
    const s = await open();
    await s.save(await parts(1));
    await s.save(await parts(2));
    const next = await parts(3);
    const again = await parts(2, 77); // re-saving step 2 must not lose step 2 either
    await withFailingPut(how, async () => {
      expect(await code(s.save(next, { keep: 1 }))).toBe(expected);
      expect(await code(s.save(again, { keep: 1 }))).toBe(expected);
    });
    expect((await s.list()).map((c) => c.step)).toEqual([1, 2]);
    expect(stateBits(await s.load('current/step-2'))).toEqual(stateBits(makeState(big, { step: 2, seed: 2 })));
    expect((await s.load('current/step-1')).step).toBe(1);
    // and the store still works afterwards
    await s.save(next);
    expect((await s.latest())!.step).toBe(3);
  });
  it('refuses a save the storage estimate says cannot fit (QUOTA), asks for persistence, and keeps going', async () => {
    let usage = 0, persistAsked = 0;
    const storage: StorageLike = { estimate: async () => ({ usage, quota: 200_000 }), persist: async () => (persistAsked++, true) };
    const s = await open({ storage });
    expect(persistAsked).toBe(1);
    expect(s.persisted).toBe(true);
    await s.save(await parts(1));
    usage = 190_000;
    const err = await s.save(await parts(2)).catch((e) => e);
    expect(err).toMatchObject({ code: 'QUOTA' });
    expect(err.message).toMatch(/step 2 needs ~0\.\d MB but only 0\.0 MB/);
    expect((await s.list()).map((c) => c.step)).toEqual([1]);
    expect((await s.load('current/step-1')).step).toBe(1);
  });
  it('stores each tensor compactly; a tensor changed in storage fails to load (HASH) and loadNewestValid falls back', async () => {
    const s = await open({ dbName: 'tamper' });
    await s.save(await parts(1));
    await s.save(await parts(2));
    // flip one bit of a stored tensor behind the store's back
    const req = indexedDB.open('tamper');
    const db: IDBDatabase = await new Promise((ok) => (req.onsuccess = () => ok(req.result)));
    const tx = db.transaction('tensors', 'readwrite');
    const get = tx.objectStore('tensors').get(['current/step-2', 'transformer.wpe.weight']);
    await new Promise((ok) => (get.onsuccess = ok));
    expect(get.result.data.byteLength).toBe(8 * 8 * 4); // wpe [T, C] alone, not the whole params buffer it was a view of
    new Uint8Array(get.result.data)[5] ^= 0x20;
    tx.objectStore('tensors').put(get.result);
    await new Promise((ok) => (tx.oncomplete = ok));
    db.close();
    expect(await code(s.load('current/step-2'))).toBe('HASH');
    const r = await loadNewestValid(s);
    expect([r!.summary.step, r!.rejected.map((x) => x.error.code)]).toEqual([1, ['HASH']]);
  });
});
