// The page's checkpoint list over IndexedDB (fake-indexeddb): every run's checkpoints listed newest
// first, import of a .safetensors file (stored under a run of its own, loads bit for bit), refusal of a
// corrupt file, a plain weights file and a full quota with the code and nothing stored, export, delete;
// a resumed run's store that also lists its starting checkpoint; and a resumed run folded into the run
// store: its charts start from the checkpoint's history and end in the uninterrupted run's losses.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { exportCheckpoint, toParts, type CheckpointStore } from '../../src/engine/checkpoint';
import { parseConfig } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { taskText } from '../../src/engine/data/tasks';
import { encodeSafetensors } from '../../src/engine/safetensors';
import { createCheckpoints, fileNameOf, lossAt, runLabel, withBase } from '../../src/state/checkpointList';
import { IdbCheckpointStore, type StorageLike } from '../../src/state/checkpointStore';
import { applyEvent, beginRun, runStore } from '../../src/state/runStore';
import { makeState, stateBits } from './checkpoint-helpers';
import { runLocal } from './run-helpers';

let dbs = 0;
const opened: IdbCheckpointStore[] = [];
/** A checkpoint list over a fresh database (`storage`: what navigator.storage answers). */
function list(storage: StorageLike | null = null) {
  const dbName = `page-ckpt-${dbs++}`;
  return createCheckpoints(async () => {
    const s = await IdbCheckpointStore.open({ dbName, storage });
    opened.push(s);
    return s;
  });
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

describe('checkpoint list', () => {
  it('lists every run\'s checkpoints newest first, exports one and imports it back bit for bit under a run of its own', async () => {
    const c = list();
    const a = (await c.storeFor('run-1000-aaaa'))!, b = (await c.storeFor('run-2000-bbbb'))!;
    await a.save(await toParts({ ...makeState({}, { step: 3 }), savedAt: 1 }, { loss: 2.5 }));
    await b.save(await toParts({ ...makeState({}, { step: 5 }), savedAt: 2 }, { loss: 2.25 }));
    await c.refresh();
    const items = c.store.getState().items;
    expect(items.map((i) => [i.run, i.step, i.loss])).toEqual([['run-2000-bbbb', 5, 2.25], ['run-1000-aaaa', 3, 2.5]]);
    expect(fileNameOf(items[0])).toBe('ringlab-run-2000-bbbb-step-5.safetensors');

    const file = (await c.exportFile(items[1]))!;
    expect(file.bytes.length).toBeGreaterThan(items[1].bytes / 2);
    const saved = await c.importFile(file.name, file.bytes, 3000);
    expect(saved).toMatchObject({ step: 3, loss: null }); // makeState's history has no record of step 3
    expect(c.store.getState().message).toEqual({ text: expect.stringMatching(/^imported ringlab-run-1000-aaaa-step-3\.safetensors: step 3 of 100/), error: false });
    const now = c.store.getState().items;
    expect(now).toHaveLength(3);
    const imported = now.find((i) => i.run.startsWith('import-3000-'))!;
    expect(runLabel(imported.run)).toMatch(/^imported \d\d:\d\d:\d\d$/);
    expect(stateBits((await c.load(imported))!)).toEqual(stateBits((await c.load(items[1]))!));

    await c.remove(items[0]);
    expect(c.store.getState().items.map((i) => i.step)).toEqual([3, 3]);
  });

  it('refuses a corrupt file, a plain weights file and a full storage with the code, and stores nothing', async () => {
    let quota = 1e12;
    const c = list({ estimate: async () => ({ usage: 0, quota }), persist: async () => true });
    const good = await exportCheckpoint(makeState({}, { step: 4 }));
    const flipped = good.slice();
    flipped[flipped.length - 7] ^= 0x10; // a bit of the last tensor: only its SHA-256 can tell
    expect(await c.importFile('flipped.safetensors', flipped)).toBeNull();
    expect(c.store.getState().message).toEqual({ text: expect.stringMatching(/^flipped\.safetensors was not imported: HASH: /), error: true });

    expect(await c.importFile('short.safetensors', good.subarray(0, 100))).toBeNull();
    expect(c.store.getState().message!.text).toMatch(/^short\.safetensors was not imported: (TRUNCATED|HEADER_JSON|HEADER_SIZE): /);

    const weights = encodeSafetensors([['w', { shape: [2], data: new Float32Array([1, 2]) }]], {});
    expect(await c.importFile('weights.safetensors', weights)).toBeNull();
    expect(c.store.getState().message!.text).toMatch(/^weights\.safetensors was not imported: FORMAT: /);

    quota = 1000; // the browser says there is no room
    expect(await c.importFile('good.safetensors', good)).toBeNull();
    expect(c.store.getState().message).toEqual({ text: expect.stringMatching(/^good\.safetensors was not stored: QUOTA: .*nothing was written/), error: true });
    await c.refresh();
    expect(c.store.getState().items).toEqual([]);

    quota = 1e12; // and the same file goes in once there is
    expect(await c.importFile('good.safetensors', good)).toMatchObject({ step: 4 });
  });

  it('a resumed run\'s store lists the checkpoint it started from first, loads it from memory and never deletes it', async () => {
    const c = list();
    const own = (await c.storeFor('run-1-x'))!;
    const state = makeState({}, { step: 2 });
    const base = { summary: { id: 'run-0-y/step-2', step: 2, loss: 2.25, savedAt: 0, bytes: 10 }, state };
    const s: CheckpointStore = withBase(own, base);
    expect(await s.list()).toEqual([base.summary]);
    expect(await s.latest()).toEqual(base.summary);
    expect(await s.load(base.summary.id)).toBe(state);
    await s.save(await toParts(makeState({}, { step: 4 })), { keep: 1 });
    expect((await s.list()).map((x) => x.step)).toEqual([2, 4]);
    expect((await s.latest())!.step).toBe(4);
    await s.delete(base.summary.id);
    expect((await s.list()).map((x) => x.step)).toEqual([2, 4]);
    expect(lossAt(state)).toBe(2.25); // makeState's history: step 2 has loss 2.25
  });
});

describe('a resumed run in the run store', () => {
  const data = makeDataset('add2', taskText('add2')!, 0.1);
  const cfg = parseConfig({ devices: 2, microBatch: 2, steps: 4, warmup: 0, lr: 0.01, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16, data: 'add2', evalEvery: 2, evalWindows: 4, checkpointEvery: 2 });

  it('draws the checkpoint\'s history, then its own steps: the losses equal the uninterrupted run\'s', async () => {
    const c = list();
    const store = (await c.storeFor('run-5-z'))!;
    const whole = await runLocal(cfg, data, { checkpoints: store });
    await c.refresh();
    const at2 = c.store.getState().items.find((i) => i.step === 2)!;
    const state = (await c.load(at2))!;
    const resumed = await runLocal(cfg, data, { resume: state });
    beginRun(cfg, 'x');
    resumed.events.forEach((ev, i) => applyEvent(ev, 1000 + 10 * i));
    const s = runStore.getState();
    expect(s.resumedFrom).toBe(2);
    expect(Array.from(s.series.col('step'))).toEqual([1, 2, 3, 4]);
    expect(Array.from(s.series.col('loss'))).toEqual(whole.steps.map((m) => m.loss));
    expect(s.series.sparseCol('val')).toEqual(whole.steps.map((m) => m.valLoss ?? null));
    expect(resumed.steps.map((m) => m.step)).toEqual([3, 4]);
    // tokens/s counts the two steps this run trained, not the checkpoint's
    expect(s.tokensPerS).toBeCloseTo(((s.tokens - state.tokens) * 1000) / s.elapsedMs, 6);
    expect(s.notes[0]).toMatchObject({ kind: 'resumed', step: 2 });
  });
});
