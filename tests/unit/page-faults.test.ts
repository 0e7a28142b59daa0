// The page's view of device faults: real runs on worker_threads (the worker Coordinator the page uses,
// with Node workers) folded into the run store. Elastic recovery: the survivors keep their ids (the
// store's `ids` maps ranks to ids), the per-device columns and means are by id, the dead device is
// marked; restart: the steps after the checkpoint leave the chart columns and are trained again, ending
// in the uninterrupted run's losses exactly. Fault notes carry detection, policy, lost work and time to
// recover, and the chart markers say so. Model: 1 layer, C = 16, T = 8 (a few seconds per run).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../src/engine/checkpoint';
import { parseConfig, type RunConfigInput } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { startRun, type RunEnv } from '../../src/run/driver';
import type { FaultEvent, RecoveredEvent, RunEvent } from '../../src/run/events';
import { FaultInbox } from '../../src/run/faults';
import { IdbCheckpointStore } from '../../src/state/checkpointStore';
import { addNote, faultNote, MAX_NOTES, markerText, noteOf, shortList, withRecovery, type RunNote } from '../../src/state/runEvents';
import { stackCols } from '../../src/state/runSeries';
import { applyEvent, beginRun, runStore } from '../../src/state/runStore';
import { Coordinator } from '../../src/workers/coordinator';
import { spawnNodeWorker } from '../../src/workers/node-spawn';

const TEXT = 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(3).slice(0, 200);
const data = makeDataset('t', TEXT, 0.1);
const tiny: RunConfigInput = { nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 8, lr: 1e-2, warmup: 1, evalEvery: 0, evalWindows: 2, microBatch: 2 };
const spawn = (r: number) => spawnNodeWorker(new URL('../../src/workers/device.worker.ts', import.meta.url), `device ${r}`);

/** A run on worker devices, killing `kill.id` before step `kill.at` through a FaultInbox as the page's
 *  button does; every event folded into the run store (`after` sees the store after each event). */
async function fold(over: RunConfigInput, o: { kill?: { id: number; at: number }; checkpoints?: CheckpointStore; after?: (ev: RunEvent) => void } = {}): Promise<RunEvent[]> {
  const cfg = parseConfig({ ...tiny, ...over });
  const faults = new FaultInbox();
  if (o.kill) faults.kill(o.kill.id, 'step', o.kill.at);
  const env: RunEnv = {
    memoryBudget: 2 ** 32, faults, checkpoints: o.checkpoints,
    resolveBackend: async () => ({ name: 'cpu', reason: null }),
    createGroup: (c, d, layout) => Coordinator.start({ cfg: c, data: d, spawn, layout }),
  };
  const events: RunEvent[] = [];
  beginRun(cfg, 'x');
  let t = 0;
  for await (const ev of startRun(cfg, data, env)) {
    events.push(ev);
    applyEvent(ev, (t += 10));
    o.after?.(ev);
  }
  return events;
}

describe('faults in the run store', () => {
  it('elastic 3 -> 2: the survivors keep their ids in the columns, the means and the topology', async () => {
    await fold({ devices: 3, steps: 4, recovery: 'elastic' }, { kill: { id: 1, at: 3 } });
    const s = runStore.getState();
    expect(s.status).toBe('done');
    expect(s.ids).toEqual([0, 2]);
    expect(s.dead).toEqual([1]);
    expect(Array.from(s.series.col('step'))).toEqual([1, 2, 3, 4]);
    // step 3 and 4 ran on ranks 0 and 1 = devices 0 and 2: device 1's column is 0 there, device 2's is not
    const dev = (d: number) => Array.from(s.series.col(stackCols(d).total));
    expect(dev(1).slice(2)).toEqual([0, 0]);
    expect(dev(2).every((x) => x > 0)).toBe(true);
    expect(s.split).toHaveLength(3);
    expect(s.split[2].bytesTotal).toBeGreaterThan(s.split[1].bytesTotal); // device 1 sent nothing after step 2
    expect(s.faults).toHaveLength(1);
    const f = s.faults[0];
    expect(f).toMatchObject({ id: 1, step: 3, code: 'EXITED', detectedBy: 'exit event', policy: 'elastic', recovery: { step: 2, stepsRedone: 0, devices: 2 } });
    // noticed by the worker's exit event (a missed exit would be the collective timeout's, detectedBy
    // 'timeout'); the time it took is a measurement, not something to assert on a shared machine
    expect(f.msToDetect).toBeGreaterThanOrEqual(0);
    expect(markerText(f)).toMatch(/^device 1 failed at step 3 \(EXITED: device 1 was killed \(fault injection\)\), noticed by its worker's exit event after \d+ ms\. elastic: resumed after step 2 on 2 devices, 0 completed steps lost and trained again, recovered in [\d.]+ m?s\.$/);
    expect(s.notes.map((n) => n.kind)).toEqual(['fault', 'recovered']);
  });

  it('restart from the checkpoint: the lost steps leave the columns, and the losses end as the uninterrupted run\'s', async () => {
    const base = { devices: 2, steps: 5, checkpointEvery: 2 };
    const whole = await fold(base);
    const wholeLoss = whole.flatMap((e) => (e.type === 'step' ? [e.metrics.loss] : []));

    const store = await IdbCheckpointStore.open({ dbName: 'page-faults', storage: null, run: 'run-1' });
    let seen: number[] = [];
    await fold({ ...base, recovery: 'restart' }, {
      kill: { id: 1, at: 4 }, checkpoints: store,
      after: (ev) => ev.type === 'recovered' && (seen = Array.from(runStore.getState().series.col('step'))),
    });
    store.close();
    const s = runStore.getState();
    expect(seen).toEqual([1, 2]); // step 3 (after the checkpoint at 2) was lost: it left the chart
    expect(Array.from(s.series.col('step'))).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(s.series.col('loss'))).toEqual(wholeLoss); // bit for bit: same devices, same code
    expect(s.dead).toEqual([]);
    expect(s.ids).toEqual([0, 1]);
    expect(s.faults[0]).toMatchObject({ id: 1, step: 4, policy: 'restart', recovery: { step: 2, stepsRedone: 1, devices: 2 } });
    expect(markerText(s.faults[0])).toContain('restart: resumed after step 2 on 2 devices, 1 completed step lost and trained again');
    expect(s.notes.map((n) => n.kind)).toEqual(['checkpoint', 'fault', 'recovered', 'checkpoint']);
    // tokens/s counts the work done: steps 1-3, then 3-5 again = 6 steps of G x T = 2 x 2 x 8 tokens
    expect((s.tokensPerS * s.elapsedMs) / 1000).toBeCloseTo(6 * 2 * 2 * 8, 6);
  });
});

describe('the event list', () => {
  const save = (step: number): RunNote => ({ kind: 'checkpoint', step, text: `saved ${step}`, error: false });
  const fault = (step: number): RunNote => ({ kind: 'fault', step, text: `fault ${step}`, error: false });

  it('keeps faults, recoveries and failed saves over routine saves, and shows the latest two saves', () => {
    let notes: RunNote[] = [fault(1)];
    for (let i = 2; i <= MAX_NOTES + 50; i++) notes = addNote(notes, save(i));
    notes = addNote(notes, { kind: 'checkpoint', step: 999, text: 'not saved (QUOTA)', error: true });
    expect(notes).toHaveLength(MAX_NOTES);
    expect(notes[0]).toEqual(fault(1)); // the oldest save went, not the fault
    expect(shortList(notes).map((n) => n.text)).toEqual(['fault 1', `saved ${MAX_NOTES + 49}`, `saved ${MAX_NOTES + 50}`, 'not saved (QUOTA)']);
    // with only faults, the oldest go first
    let faults: RunNote[] = [];
    for (let i = 1; i <= MAX_NOTES + 1; i++) faults = addNote(faults, fault(i));
    expect(faults[0].step).toBe(2);
    expect(shortList(faults).map((n) => n.step)).toEqual([94, 95, 96, 97, 98, 99, 100, 101]);
  });
});

describe('fault notes', () => {
  const fault = (id: number, step: number, detectedBy: FaultEvent['detectedBy'] = 'exit event'): FaultEvent => ({
    type: 'fault', failure: { code: detectedBy === 'timeout' ? 'SILENT' : 'EXITED', rank: id, step, message: `device ${id} stopped` },
    id, detectedBy, msToDetect: 1500, policy: 'restart', devices: 3,
  });
  const recovered = (id: number, step: number, stepsRedone: number): RecoveredEvent => ({
    type: 'recovered', policy: 'restart', id, failure: fault(id, step + stepsRedone + 1).failure, step, stepsRedone, msToRecover: 900, devices: 3, ids: [0, 1, 2], note: 'restarted',
  });

  it('attaches each recovery to the latest fault still waiting for one', () => {
    let faults = [faultNote(fault(1, 5))];
    faults = withRecovery(faults, recovered(1, 4, 0));
    faults = [...faults, faultNote(fault(2, 9, 'timeout'))];
    faults = withRecovery(faults, recovered(2, 6, 2));
    expect(faults.map((f) => [f.id, f.step, f.recovery?.step, f.recovery?.stepsRedone])).toEqual([[1, 5, 4, 0], [2, 9, 6, 2]]);
    // a timeout is named as such, with seconds past one second
    expect(markerText(faults[1])).toBe('device 2 failed at step 9 (SILENT: device 2 stopped), noticed by the timeout after 1.5 s. restart: resumed after step 6 on 3 devices, 2 completed steps lost and trained again, recovered in 900 ms.');
    expect(markerText(faultNote(fault(0, 3)))).toMatch(/Recovering…$/);
  });

  it('says whether a checkpoint was saved, with its size and time, or why not', () => {
    expect(noteOf({ type: 'checkpoint', step: 6, id: 'r/step-6', bytes: 300 * 1024, ms: 42, loss: 2.5 })).toEqual({ kind: 'checkpoint', step: 6, text: 'checkpoint saved at step 6 (300 KB in 42 ms)', error: false });
    expect(noteOf({ type: 'checkpoint', step: 8, id: null, bytes: 0, ms: 0, loss: null, error: 'checkpoint at step 8 not saved (QUOTA): full' })).toEqual({ kind: 'checkpoint', step: 8, text: 'checkpoint at step 8 not saved (QUOTA): full', error: true });
    expect(noteOf(recovered(1, 4, 1))).toMatchObject({ kind: 'recovered', step: 4, text: 'recovered (restart: resumed after step 4 on 3 devices, 1 completed step lost and trained again, recovered in 900 ms): restarted' });
  });
});
