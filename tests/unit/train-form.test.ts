// The Train panel's settings form (validated through the RunConfig schema, messages by field) and the
// fold of per-step metrics into what the page shows.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/engine/config';
import { estimateMemory } from '../../src/engine/memory';
import type { StartedEvent } from '../../src/run/events';
import type { StepMetrics } from '../../src/run/metrics';
import { applyEvent, beginRun, runStore } from '../../src/state/runStore';
import { Series } from '../../src/state/series';
import { DEFAULT_FORM, formToInput, validateForm, type FormValues } from '../../src/state/trainForm';

const form = (patch: Partial<FormValues>): FormValues => ({ ...DEFAULT_FORM, ...patch });

describe('train form', () => {
  it('turns the default form into a valid config with the page-fixed settings', () => {
    const r = validateForm(DEFAULT_FORM);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.cfg).toEqual(parseConfig(formToInput(DEFAULT_FORM)));
    expect(r.cfg).toMatchObject({ devices: 4, microBatch: 4, nEmbd: 64, data: 'brown', backend: 'auto', evalEvery: 15, warmup: 30, lr: 0.002 });
    expect(r.cfg.minLr).toBeCloseTo(2e-4, 12); // lr / 10 in binary floating point
  });

  it("places the schema's messages next to the fields they name", () => {
    const r = validateForm(form({ devices: '9', lr: 'fast', microBatch: '' }));
    expect(r).toEqual({ ok: false, errors: { devices: 'must be an integer in [1, 8]', lr: 'must be a number in [0, 10]', microBatch: 'must be an integer in [1, 512]' } });
    // a rule between two fields shows at both: the user may have just changed either
    expect(validateForm(form({ nEmbd: '18', nHead: '4' }))).toEqual({ ok: false, errors: { nEmbd: '18 is not divisible by nHead 4', nHead: '18 is not divisible by nHead 4' } });
    expect(validateForm(form({ steps: '5', warmup: '10' }))).toEqual({ ok: false, errors: { warmup: '10 steps is longer than the run (5 steps)', steps: '10 steps is longer than the run (5 steps)' } });
    expect(validateForm(form({ devices: '2.5' }))).toMatchObject({ ok: false, errors: { devices: 'must be an integer in [1, 8]' } });
  });

  it('follows a small lr with the cosine floor instead of rejecting it', () => {
    const r = validateForm(form({ lr: '0.0001' }));
    expect(r.ok && r.cfg.minLr).toBeCloseTo(1e-5, 12);
  });
});

const step = (s: number, compute: number[], comm: number[], bytes: number[]): StepMetrics => ({
  step: s, loss: 3 - s / 10, lr: 1e-3, gradNorm: 1, lossScale: 1, skipped: false, tokens: s * 64, tokensPerS: 0, msStep: 10,
  msCompute: compute, msComm: comm, msIdle: comm.map(() => 1), bytesSent: bytes, samples: [], epoch: 0,
  bytesPerLink: [], collectives: [], timeline: [], commShare: 0, backend: 'cpu', memory: [], readbackBytes: [],
  ...(s === 2 ? { valLoss: 2.5 } : {}),
});

describe('run store', () => {
  it('appends the chart series in place and keeps means per device without the warm-up step', () => {
    const cfg = parseConfig({ devices: 2, steps: 4, warmup: 1 });
    beginRun(cfg, 'starting');
    const started: StartedEvent = { type: 'started', cfg, devices: [], backend: 'cpu', backendReason: null, memory: estimateMemory(cfg, 10), data: { name: 't', trainTokens: 0, valTokens: 0, vocabSize: 10 } };
    applyEvent(started, 1000);
    applyEvent({ type: 'step', metrics: step(1, [100, 90], [50, 40], [10, 10]) }, 1200); // warm-up step: slow
    expect(runStore.getState().split[0].compute).toBe(100); // alone, it is all there is
    const runSeries = runStore.getState().series;
    const lossCol = runSeries.col('loss');
    applyEvent({ type: 'step', metrics: step(2, [10, 12], [4, 6], [10, 10]) }, 1230);
    applyEvent({ type: 'step', metrics: step(3, [14, 16], [6, 8], [10, 10]) }, 1260);
    const r = runStore.getState();
    expect(Array.from(runSeries.col('step'))).toEqual([1, 2, 3]);
    expect(Array.from(runSeries.col('loss'))).toEqual([2.9, 2.8, 2.7]);
    expect(runSeries.sparseCol('val')).toEqual([null, 2.5, null]);
    expect(lossCol.buffer).toBe(runSeries.col('loss').buffer); // appended in place, not copied
    expect(r.split.map((d) => [d.compute, d.comm, d.idle, d.bytesPerStep, d.bytesTotal])).toEqual([[12, 5, 1, 10, 30], [14, 7, 1, 10, 30]]);
    expect(r.tokensPerS).toBeCloseTo((3 * 64 * 1000) / 260, 9);
    expect(r.etaMs).toBeCloseTo((260 / 3) * 1, 9); // one step left at the mean step time so far
    expect(r.valLoss).toBe(2.5);
    applyEvent({ type: 'failed', failure: { code: 'THREW', rank: 1, step: 4, message: 'boom' } }, 1300);
    expect(runStore.getState()).toMatchObject({ status: 'failed', etaMs: NaN, message: 'device 1 failed at step 4 (THREW): boom' });
  });

  it('grows a series past its capacity without losing values', () => {
    const s = new Series(['x'] as const, [], 2);
    for (let i = 0; i < 9; i++) s.push({ x: i });
    expect(Array.from(s.col('x'))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.version).toBe(9);
  });
});
