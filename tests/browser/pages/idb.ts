// Checkpoints in the browser's real IndexedDB (tests/browser/idb.spec.ts drives this page): a save that
// is aborted inside its transaction, after some of its tensors were written, must leave the previous
// checkpoint intact and loadable and the aborted one invisible; and a checkpoint survives a reload.
import { toParts } from '../../../src/engine/checkpoint';
import { IdbCheckpointStore } from '../../../src/state/checkpointStore';
import { makeState } from '../../unit/checkpoint-helpers';

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

async function abortedSave(dbName: string) {
  const store = await IdbCheckpointStore.open({ run: 'atomic', dbName });
  const first = makeState({}, { step: 1, seed: 1 });
  await store.save(await toParts(first));
  const second = await toParts(makeState({}, { step: 2, seed: 2 }));
  // Abort the next save's transaction from inside it, after three of its writes were queued.
  const put = IDBObjectStore.prototype.put;
  let puts = 0;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    const req = put.apply(this, args);
    if (++puts === 3) this.transaction.abort();
    return req;
  };
  let code: string | null = null;
  try {
    await store.save(second);
  } catch (e) {
    code = (e as { code?: string }).code ?? String(e);
  } finally {
    IDBObjectStore.prototype.put = put;
  }
  const list = await store.list();
  const loaded = await store.load(list[0].id);
  return { code, puts, ids: list.map((s) => s.id), firstIntact: same(loaded.params, first.params) && loaded.step === 1 };
}

/** Save a checkpoint that the page, after a reload, lists and loads. */
async function saveForReload(dbName: string) {
  const store = await IdbCheckpointStore.open({ run: 'reload', dbName });
  const s = makeState({}, { step: 5, seed: 9 });
  await store.save(await toParts(s));
  return { saved: s.step, sum: s.params.reduce((a, b) => a + b, 0) };
}

async function loadAfterReload(dbName: string) {
  const store = await IdbCheckpointStore.open({ run: 'reload', dbName });
  const [c] = await store.list();
  const s = await store.load(c.id);
  return { step: s.step, sum: s.params.reduce((a, b) => a + b, 0), persisted: store.persisted };
}

declare global {
  interface Window { idbChecks: { abortedSave: typeof abortedSave; saveForReload: typeof saveForReload; loadAfterReload: typeof loadAfterReload } }
}
window.idbChecks = { abortedSave, saveForReload, loadAfterReload };
