// The page's view of a run: the driver's events from a real 2-device run folded into the run store
// (chart columns, the per-device stack, the outcome), the loss warning, and the history of finished runs
// (summary, thinned curves, kept in IndexedDB across "reloads").
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { taskText } from '../../src/engine/data/tasks';
import { alignCurves, differingKeys } from '../../src/state/compare';
import { idbArchive } from '../../src/state/runArchive';
import { createHistory, MAX_POINTS, MAX_RUNS, savedRunOf, type RunArchive, type SavedRun } from '../../src/state/runHistory';
import { stackCols } from '../../src/state/runSeries';
import { applyEvent, beginRun, outcomeOf, runStore } from '../../src/state/runStore';
import { lossWarning } from '../../src/state/runVerdict';
import { runLocal } from './run-helpers';

const data = makeDataset('add2', taskText('add2')!, 0.1);
const tiny = parseConfig({ devices: 2, microBatch: 2, steps: 4, warmup: 0, lr: 0.01, nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16, data: 'add2', evalEvery: 2, evalWindows: 4 });

/** Fold every event of a real run into the page's run store, 10 ms apart. */
async function fold(cfg = tiny) {
  const run = await runLocal(cfg, data);
  beginRun(cfg, 'starting');
  run.events.forEach((ev, i) => applyEvent(ev, 1000 + 10 * i));
  return run;
}

describe('run store', () => {
  it('keeps one row per step with the per-device stack and the validation points of a real run', async () => {
    const run = await fold();
    const s = runStore.getState();
    expect(s.status).toBe('done');
    expect(outcomeOf(s)).toBe('done');
    expect(Array.from(s.series.col('step'))).toEqual([1, 2, 3, 4]);
    expect(Array.from(s.series.col('loss'))).toEqual(run.steps.map((m) => m.loss));
    expect(s.series.sparseCol('val')).toEqual(run.steps.map((m) => m.valLoss ?? null));
    for (const d of [0, 1]) {
      const k = stackCols(d);
      run.steps.forEach((m, i) => {
        expect(s.series.col(k.compute)[i]).toBe(m.msCompute[d]);
        expect(s.series.col(k.comm)[i]).toBeCloseTo(m.msCompute[d] + m.msComm[d], 9);
        expect(s.series.col(k.total)[i]).toBeCloseTo(m.msCompute[d] + m.msComm[d] + m.msIdle[d], 9);
      });
    }
    expect(s.latest).toBe(run.steps[3]);
    expect(s.memory).not.toBeNull();
    expect(s.devices).toHaveLength(2);
    expect(s.commShare).toBeCloseTo(run.steps.slice(1).reduce((a, m) => a + m.commShare, 0) / 3, 12);
  });

  it('gives a new run new columns and leaves the old ones intact for the history', async () => {
    await fold();
    const old = runStore.getState().series;
    beginRun(parseConfig({ devices: 3 }), 'next');
    expect(runStore.getState().series).not.toBe(old);
    expect(old.length).toBe(4);
    expect(runStore.getState().series.has(stackCols(2).total)).toBe(true);
  });

  it('calls a DIVERGED failure diverged, never done, and clears the ETA', () => {
    beginRun(tiny, 'x');
    applyEvent({ type: 'failed', failure: { code: 'DIVERGED', rank: null, step: 3, message: 'training diverged at step 3: the loss is not finite; try a lower lr' } }, 0);
    const s = runStore.getState();
    expect(outcomeOf(s)).toBe('diverged');
    expect(s.etaMs).toBeNaN();
    expect(s.message).toContain('diverged at step 3');
  });

  it('marks a dead device from a fault event and brings it back on a restart', () => {
    beginRun(tiny, 'x');
    const failure = { code: 'EXITED', rank: 1, step: 5, message: 'gone' } as const;
    applyEvent({ type: 'fault', failure, id: 1, detectedBy: 'exit event', msToDetect: 40, policy: 'elastic', devices: 2 }, 0);
    expect(runStore.getState().dead).toEqual([1]);
    expect(runStore.getState().faults).toEqual([{ id: 1, step: 5, code: 'EXITED', message: 'gone', detectedBy: 'exit event', msToDetect: 40, policy: 'elastic', recovery: null }]);
    applyEvent({ type: 'recovered', policy: 'elastic', id: 1, failure, step: 4, stepsRedone: 0, msToRecover: 10, devices: 1, ids: [0], note: 'went on' }, 0);
    expect(runStore.getState().dead).toEqual([1]);
    expect(runStore.getState().ids).toEqual([0]);
    expect(runStore.getState().faults[0].recovery).toEqual({ step: 4, stepsRedone: 0, msToRecover: 10, devices: 1, note: 'went on' });
    applyEvent({ type: 'recovered', policy: 'restart', id: 1, failure, step: 4, stepsRedone: 1, msToRecover: 10, devices: 2, ids: [0, 1], note: 'restarted' }, 0);
    expect(runStore.getState().dead).toEqual([]);
    expect(runStore.getState().message).toMatch(/^recovered \(restart: .*restarted$/);
    // done: the last recovery's note would read as if it were still going on
    applyEvent({ type: 'finished', reason: 'done', step: 6, tokens: 96, ms: 100, params: new Float32Array(0) }, 0);
    expect(runStore.getState().message).toBe("done after 1 device fault, each recovered (the run's events say how)");
  });
});

describe('loss warning', () => {
  const cfg = { lr: 0.003, warmup: 10, clip: 1, optimizer: 'adamw' as const, precision: 'fp32' as const };
  const walk = (losses: number[]) => losses.reduce((w, _, i) => lossWarning(losses.slice(0, i + 1), cfg, w), null as ReturnType<typeof lossWarning>);

  it('says nothing while the loss falls or wobbles below 5% above its start', () => {
    expect(walk([4.4, 4.3, 4.5, 3.9, 3.1, 3.2])).toBeNull();
  });

  it('flags the spike after warmup, names the likely cause, and remembers it after the loss comes back', () => {
    const w = walk([4.42, 3.8, 3.1, 4.86, 3.19, 3.0]);
    expect(w).toMatchObject({ step: 4, loss: 4.86, ongoing: false });
    expect(w!.text).toBe('the loss reached 4.86 at step 4, above its start 4.42: the learning rate 0.003 is too high right after a warmup of 10 steps: try a lower lr or a longer warmup.');
    expect(walk([4.42, 3.8, 3.1, 4.86, 3.19, 3.0, 2.9])!.text).toBe(w!.text); // the same words while the loss keeps falling
  });

  it('calls a loss still above its start ongoing, and a finished run with it diverging', () => {
    const w = walk([4.4, 5, 6]);
    expect(w).toMatchObject({ ongoing: true, step: 3, loss: 6 });
    expect(outcomeOf({ status: 'done', failure: null, warning: w })).toBe('diverging');
    expect(lossWarning([4.4, 6], { ...cfg, clip: 0 }, null)!.text).toContain('turn clipping on');
  });
});

/** An archive in a Map (what the store does, without IndexedDB). */
const mapArchive = (): RunArchive & { map: Map<string, SavedRun> } => {
  const map = new Map<string, SavedRun>();
  return { map, list: async () => [...map.values()], put: async (r) => void map.set(r.id, r), remove: async (id) => void map.delete(id) };
};

describe('run history', () => {
  it('summarises a finished run: final loss, last validation loss, tokens/s over the wall time, comm share', async () => {
    const run = await fold();
    const s = runStore.getState();
    const r = savedRunOf(s, 123)!;
    expect(r.summary).toEqual({ steps: 4, finalLoss: run.steps[3].loss, finalVal: run.steps[3].valLoss, wallMs: s.elapsedMs, tokensPerS: (s.tokens * 1000) / s.elapsedMs, commShare: s.commShare, faults: 0 });
    expect(r.curve.step).toEqual([1, 2, 3, 4]);
    expect(r.outcome).toBe('done');
  });

  it('counts the device faults of a run that recovered from them, so a comparison can tell it from a clean run', async () => {
    await fold();
    const failure = { code: 'EXITED', rank: 1, step: 3, message: 'gone' } as const;
    applyEvent({ type: 'fault', failure, id: 1, detectedBy: 'exit event', msToDetect: 40, policy: 'restart', devices: 2 }, 0);
    applyEvent({ type: 'recovered', policy: 'restart', id: 1, failure, step: 2, stepsRedone: 0, msToRecover: 10, devices: 2, ids: [0, 1], note: 'restarted' }, 0);
    const r = savedRunOf(runStore.getState(), 1)!;
    expect(r.summary.faults).toBe(1);
    expect(r.outcome).toBe('done');
  });

  it('thins long curves to MAX_POINTS but keeps every validation point and the last step', () => {
    beginRun(parseConfig({ steps: 5000, warmup: 0 }), 'x');
    const s = runStore.getState();
    for (let i = 1; i <= 5000; i++) s.series.push({ step: i, loss: 1 / i, tokensPerS: 1, val: i % 999 === 0 ? i : null } as never);
    runStore.setState({ step: 5000, loss: 1 / 5000 });
    const r = savedRunOf(runStore.getState(), 1)!;
    expect(r.curve.step.length).toBeLessThanOrEqual(MAX_POINTS + 5);
    expect(r.curve.step.at(-1)).toBe(5000);
    expect(r.curve.val.filter((v) => v !== null)).toEqual([999, 1998, 2997, 3996, 4995]);
  });

  it('keeps the newest MAX_RUNS, selects the newest two, and reloads them from the archive', async () => {
    const archive = mapArchive();
    const h = createHistory(archive);
    const base = savedRunOf(runStore.getState(), 1)!;
    for (let i = 0; i < MAX_RUNS + 2; i++) await h.add({ ...base, id: `r${i}`, savedAt: i });
    expect(h.store.getState().runs.map((r) => r.id).slice(0, 2)).toEqual([`r${MAX_RUNS + 1}`, `r${MAX_RUNS}`]);
    expect(archive.map.size).toBe(MAX_RUNS);
    expect(archive.map.has('r0')).toBe(false);
    const again = createHistory(archive);
    await again.load();
    expect(again.store.getState().runs).toHaveLength(MAX_RUNS);
    expect(again.store.getState().selected).toEqual([`r${MAX_RUNS + 1}`, `r${MAX_RUNS}`]);
    await again.remove(`r${MAX_RUNS + 1}`);
    expect(again.store.getState().selected).toEqual([`r${MAX_RUNS}`]);
  });

  it('keeps runs in IndexedDB across page loads (a fresh archive reads what the first wrote)', async () => {
    const run = { ...savedRunOf(runStore.getState(), 5)!, id: 'idb-1' };
    await idbArchive()!.put(run);
    const read = await idbArchive()!.list();
    expect(read.find((r) => r.id === 'idb-1')).toEqual(run);
    await idbArchive()!.remove('idb-1');
    expect((await idbArchive()!.list()).some((r) => r.id === 'idb-1')).toBe(false);
  });

  it('aligns curves of different lengths on one step axis and names the settings that differ', () => {
    const base = savedRunOf(runStore.getState(), 1)!;
    const a: SavedRun = { ...base, cfg: parseConfig({ microBatch: 32 }), curve: { step: [1, 2, 3], loss: [3, 2, 1], val: [null, null, 1.5], tokensPerS: [1, 1, 1] } };
    const b: SavedRun = { ...base, cfg: parseConfig({ microBatch: 8, accum: 4 }), curve: { step: [2, 4], loss: [2.5, 0.5], val: [null, null], tokensPerS: [2, 2] } };
    expect(alignCurves([a, b], 'loss')).toEqual([[1, 2, 3, 4], [3, 2, 1, null], [null, 2.5, null, 0.5]]);
    expect(differingKeys([a, b])).toEqual(['microBatch', 'accum']);
  });
});
