// The IndexedDB checkpoint benchmark page (built by Vite, driven by bench/suites/checkpoint.ts through
// bench/browser/run.ts in headless Chromium): saving and loading a full training state through
// IdbCheckpointStore against the limit of this browser, the same bytes as one record put (one
// readwrite transaction, durability 'strict') and got back raw. Exposes window.ringlabIdbBench.
// Legend: L = layers, C = channels, V = vocabulary (83), P = parameters; bytes = 3P x 4 + manifest.
import { partsBytes, toParts } from '../../../src/engine/checkpoint';
import { parseConfig, type RunConfigInput } from '../../../src/engine/config';
import { IdbCheckpointStore } from '../../../src/state/checkpointStore';
import type { Row } from '../page';
import { timeAsync } from '../timing';
import { BENCH_VOCAB, randomState as stateOf } from '../../checkpoint-state';

const randomState = (input: RunConfigInput) => stateOf(parseConfig(input));

/** One raw record store: the limit a checkpoint's bytes can be written and read at here. */
function openRaw(): Promise<IDBDatabase> {
  return new Promise((ok, no) => {
    const r = indexedDB.open('ringlab-bench-raw', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('blobs');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error);
  });
}
function txDone(tx: IDBTransaction): Promise<void> {
  return new Promise((ok, no) => {
    tx.oncomplete = () => ok();
    tx.onerror = tx.onabort = () => no(tx.error);
  });
}

async function checkpoint(input: RunConfigInput, opts: { quick: boolean }): Promise<{ persisted: boolean | null; quota: number | null; rows: Row[] }> {
  const state = randomState(input);
  const P = state.params.length;
  const store = await IdbCheckpointStore.open({ dbName: 'ringlab-bench', run: `L${state.config.nLayer}C${state.config.nEmbd}` });
  const bytes = partsBytes(await toParts(state));
  const blob = new Uint8Array(bytes).fill(7).buffer;
  const raw = await openRaw();
  let step = 1;
  // a new step each time with keep 3, as a training run saves: pruning is part of the cost
  const save = async () => {
    state.step = step++;
    await store.save(await toParts(state), { keep: 3 });
  };
  const rawPut = async () => {
    const tx = raw.transaction('blobs', 'readwrite', { durability: 'strict' });
    tx.objectStore('blobs').put(blob, 'x');
    await txDone(tx);
  };
  const rawGet = async () => {
    const tx = raw.transaction('blobs', 'readonly');
    const r = tx.objectStore('blobs').get('x');
    await txDone(tx);
    if ((r.result as ArrayBuffer).byteLength !== bytes) throw new Error('raw record lost');
  };
  const t = { warmup: 1, runs: opts.quick ? 3 : P > 1e6 ? 8 : 20, maxMs: opts.quick ? 2000 : 20_000 };
  const ours = await timeAsync(save, t);
  const limit = await timeAsync(rawPut, t);
  const id = (await store.latest())!.id;
  const oursLoad = await timeAsync(() => store.load(id), t);
  const limitLoad = await timeAsync(rawGet, t);
  store.close();
  raw.close();
  const est = await navigator.storage.estimate();
  const name = `L${state.config.nLayer} C${state.config.nEmbd} (${(P / 1e6).toFixed(2)}M params, ${(bytes / 2 ** 20).toFixed(1)} MB)`;
  const params = { backend: 'cpu', store: 'indexeddb', L: state.config.nLayer, C: state.config.nEmbd, T: state.config.blockSize, V: BENCH_VOCAB, params: P, optimizer: 'adamw', bytes };
  return {
    persisted: store.persisted, quota: est.quota ?? null,
    rows: [
      { name: `idb save ${name}`, params: { ...params, op: 'save' }, ours, peers: { 'limit: one IndexedDB put of the same bytes (strict)': limit } },
      { name: `idb load ${name}`, params: { ...params, op: 'load' }, ours: oursLoad, peers: { 'limit: one IndexedDB get of the same bytes': limitLoad } },
    ],
  };
}

declare global {
  interface Window { ringlabIdbBench: { checkpoint: typeof checkpoint } }
}
window.ringlabIdbBench = { checkpoint };
document.getElementById('log')!.textContent = 'ready';
