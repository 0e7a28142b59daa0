// The lessons as data and their claims as checks: every lesson's settings and runs read without a
// problem, in the CLI's codec and in the page's form alike; each claim holds on numbers shaped as its
// runs give them and fails on counter-examples (a claim that cannot fail would teach nothing). Whether
// the claims hold on real runs is measured by bench/lessons.ts (numbers in docs/playground.md) and
// checked in Chromium by tests/browser/links.spec.ts.
import { describe, expect, it } from 'vitest';
import { parseConfig, type RunConfig } from '../../src/engine/config';
import { configFromLink, configToLink } from '../../src/engine/link';
import type { RunEvent } from '../../src/run/events';
import { CLAIMS } from '../../src/state/lessonClaims';
import { lessonRunConfig, lessonRunForm } from '../../src/state/lessonPlan';
import { addLessonEvent, newLessonRun, perStep, type LessonRun } from '../../src/state/lessonRun';
import { LESSONS, lessonById } from '../../src/state/lessons';
import { formOfConfig, validateForm } from '../../src/state/trainForm';

describe('lesson data', () => {
  it('has 5 to 7 lessons with unique ids that links can carry', () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(5);
    expect(LESSONS.length).toBeLessThanOrEqual(7);
    expect(new Set(LESSONS.map((l) => l.id)).size).toBe(LESSONS.length);
    for (const l of LESSONS) expect(configFromLink(`v=1&lesson=${l.id}`)).toMatchObject({ ok: true, lesson: l.id, problems: [] });
  });

  for (const lesson of LESSONS) {
    it(`${lesson.id}: its settings and every run read without a problem, the same in the page and the CLI`, () => {
      const read = configFromLink(lesson.settings);
      if (!read.ok) throw new Error(read.error.message);
      expect(read.problems).toEqual([]);
      expect(read.cfg.backend).toBe('cpu'); // the claims are measured on the CPU backend
      const form = formOfConfig(read.cfg);
      lesson.runs.forEach((run, i) => {
        const cli = lessonRunConfig(lesson, i);
        // the page: the lesson's form with the run's settings over it, validated as the page does
        const page = validateForm(lessonRunForm(form, lesson, i));
        expect(page.ok ? page.cfg : page.errors, run.label).toEqual(cli);
        // and the run can be shared as a link that reads back to it
        const back = configFromLink(configToLink(cli));
        expect(back.ok && back.problems).toEqual([]);
      });
    });
  }

  it('reads lesson settings strictly (a typo in lesson data is a bug, not a notice)', () => {
    const l = { ...lessonById('zero')!, runs: [{ label: 'bad', settings: 'zerro=1' }] };
    expect(() => lessonRunConfig(l, 0)).toThrow('zerro=1 is not a setting');
  });
});

// Runs shaped as the fold of the driver's events makes them (lessonRun.ts).
function run(label: string, settings: Record<string, unknown>, o: Partial<LessonRun> = {}): LessonRun {
  const cfg: RunConfig = parseConfig({ backend: 'cpu', ...settings });
  const N = cfg.devices;
  return { ...newLessonRun(label), cfg, status: 'done', params: 1000, devices: N, optimizerBytes: new Array<number>(N).fill(8000), measured: 3, ...o };
}
const per = (N: number, x: number) => new Array<number>(N).fill(x * 3); // sums over 3 measured steps

describe('claims hold on the right numbers and fail on counter-examples', () => {
  it('global batch: the same loss at every step', () => {
    const curve = [4.4, 4.2, 4.0];
    const mk = (d: number, losses: number[]) => run(`${d}`, { devices: d, microBatch: 16 / d }, { losses });
    expect(CLAIMS.sameCurve([mk(1, curve), mk(2, curve.map((x) => x + 1e-6)), mk(4, curve)]).holds).toBe(true);
    expect(CLAIMS.sameCurve([mk(1, curve), mk(2, [4.4, 4.21, 4.0]), mk(4, curve)]).holds).toBe(false);
    expect(CLAIMS.sameCurve([mk(1, curve), mk(2, curve.slice(0, 2)), mk(4, curve)]).holds).toBe(false);
    const notDone = CLAIMS.sameCurve([mk(1, curve), { ...mk(2, curve), status: 'stopped' }, mk(4, curve)]);
    expect(notDone).toMatchObject({ holds: false, summary: 'Not answered: 2 (stopped) did not finish.' });
  });

  it('ring: 2(N-1)/N x S per device, naive funnels (N-1) x S through device 0', () => {
    const S = 4000;
    const ring = (N: number, bytes = (2 * (N - 1) / N) * S) => run(`ring ${N}`, { devices: N }, { bytesSent: per(N, bytes) });
    const naive = (x = 7 * S) => run('naive 8', { devices: 8, allreduce: 'naive' }, { bytesSent: [x * 3, ...per(7, S)] });
    const tree = run('tree 8', { devices: 8, allreduce: 'tree' }, { bytesSent: per(8, 2 * S) });
    expect(CLAIMS.ringBytes([ring(2), ring(4), ring(8), naive(), tree]).holds).toBe(true);
    expect(CLAIMS.ringBytes([ring(2), ring(4, 2 * S), ring(8), naive(), tree]).holds).toBe(false); // 4 devices sent S too much
    expect(CLAIMS.ringBytes([ring(2), ring(4), ring(8), naive(S), tree]).holds).toBe(false); // naive no busier than the ring
  });

  it('straggler: every other device waits longer than the slow one', () => {
    const calm = run('calm', { devices: 4 }, { msIdle: per(4, 5) });
    const slow = (idle: number[]) => run('slow', { devices: 4, slowDevice: '3:5' }, { msIdle: idle.map((x) => 3 * x) });
    expect(CLAIMS.straggler([calm, slow([45, 44, 46, 1])]).holds).toBe(true);
    expect(CLAIMS.straggler([calm, slow([45, 0.5, 46, 1])]).holds).toBe(false);
    expect(CLAIMS.straggler([calm, run('no straggler', { devices: 4 }, { msIdle: per(4, 5) })]).holds).toBe(false);
  });

  it('fp16: overflowing steps skipped while the scale halves, then training', () => {
    const start = 2 ** 40;
    const fp16 = (lossScales: number[], skipped: boolean[], losses = lossScales.map((_, i) => (skipped[i] ? 4.4 : 4.4 - 0.1 * i))) =>
      run('fp16', { devices: 2, precision: 'fp16', lossScale: start, steps: lossScales.length, warmup: 0 }, { lossScales, skipped, losses });
    const halving = [start, start / 2, start / 4, start / 8, start / 8, start / 8];
    const skips = [true, true, true, false, false, false];
    expect(CLAIMS.lossScale([fp16(halving, skips)]).holds).toBe(true);
    expect(CLAIMS.lossScale([fp16(halving.map(() => start), skips.map(() => false))]).holds).toBe(false); // never overflowed
    expect(CLAIMS.lossScale([fp16([start, start, start / 2, start / 4, start / 4, start / 4], skips)]).holds).toBe(false); // skipped without backing off
    expect(CLAIMS.lossScale([fp16(halving, skips, [4.4, 4.4, 4.4, 4.4, 4.5, 4.6])]).holds).toBe(false); // did not learn after
  });

  it('ZeRO-1: optimizer bytes / N on every device, the same weights', () => {
    const w = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const plain = run('zero 0', { devices: 4 }, { optimizerBytes: per(4, 8000 / 3), finalParams: w });
    const sharded = (bytes: number[], weights: Float32Array) => run('zero 1', { devices: 4, zero: 1 }, { optimizerBytes: bytes, finalParams: weights });
    expect(CLAIMS.zero([plain, sharded([2000, 2000, 2000, 2000], w.map((x) => x + 1e-6))]).holds).toBe(true);
    expect(CLAIMS.zero([plain, sharded([2000, 2000, 2000, 2000], w.map((x) => x + 1e-3))]).holds).toBe(false);
    expect(CLAIMS.zero([plain, sharded([8000, 8000, 8000, 8000], w)]).holds).toBe(false);
  });

  it('kill: restart redoes the steps since the newest checkpoint, elastic redoes none', () => {
    const base = { devices: 4, steps: 20, killDevice: '1@15' };
    const rec = (policy: 'restart' | 'elastic', step: number, stepsRedone: number, devices: number) => ({ policy, step, stepsRedone, devices });
    const r4 = (redone: number) => run('every 4', { ...base, checkpointEvery: 4 }, { checkpoints: [4, 8, 12, 16, 20], recoveries: [rec('restart', 12, redone, 4)] });
    const r10 = run('every 10', { ...base, checkpointEvery: 10 }, { checkpoints: [10, 20], recoveries: [rec('restart', 10, 4, 4)] });
    const el = run('elastic', { ...base, checkpointEvery: 4, recovery: 'elastic' }, { checkpoints: [4, 8, 12, 16, 20], recoveries: [rec('elastic', 14, 0, 3)] });
    expect(CLAIMS.recovery([r4(2), r10, el]).holds).toBe(true);
    expect(CLAIMS.recovery([r4(14), r10, el]).holds).toBe(false); // as if no checkpoint had been kept
    expect(CLAIMS.recovery([r4(2), r10, { ...el, recoveries: [] }]).holds).toBe(false); // no recovery at all
  });

  it('warmup and clipping: the wild run diverges, the tame one trains', () => {
    const failure = { code: 'DIVERGED' as const, rank: null, step: 9, message: 'the loss is not finite at step 9' };
    const wild = run('wild', { optimizer: 'sgd', lr: 2, warmup: 0, clip: 0, steps: 60 }, { status: 'failed', failure, gradNorms: [1, 50, 1e6] });
    const tame = run('tame', { optimizer: 'sgd', lr: 2, warmup: 20, clip: 1, steps: 60 }, { losses: [4.4, 4.0, 3.3], gradNorms: [1, 2, 3] });
    expect(CLAIMS.warmup([wild, tame]).holds).toBe(true);
    expect(CLAIMS.warmup([{ ...wild, status: 'done', failure: null }, tame]).holds).toBe(false);
    expect(CLAIMS.warmup([wild, { ...tame, losses: [4.4, 4.5, 4.6] }]).holds).toBe(false);
  });
});

describe('a lesson run folded from the driver’s events', () => {
  const step = (s: number, loss: number) => ({
    type: 'step', metrics: { step: s, loss, gradNorm: 1, lossScale: 1, skipped: false, bytesSent: [100, 200], msCompute: [10, 20], msComm: [1, 2], msIdle: [3, 4] },
  }) as unknown as RunEvent;

  it('keeps one value per step (a step trained again after a restart replaces the lost one) and sums per device after step 1', () => {
    const r = newLessonRun('restart');
    const cfg = parseConfig({ devices: 2, steps: 4, checkpointEvery: 2, killDevice: '1@4' });
    addLessonEvent(r, { type: 'started', cfg, devices: [0, 1].map(() => ({ memory: { optimizer: 800 } })), memory: { params: 100 } } as unknown as RunEvent);
    for (const [s, l] of [[1, 4.0], [2, 3.9], [3, 3.8]] as const) addLessonEvent(r, step(s, l));
    addLessonEvent(r, { type: 'checkpoint', step: 2, id: 'step-2', bytes: 1, ms: 1, loss: 3.9 });
    addLessonEvent(r, { type: 'recovered', policy: 'restart', step: 2, stepsRedone: 1, devices: 2 } as unknown as RunEvent);
    for (const [s, l] of [[3, 3.7], [4, 3.6]] as const) addLessonEvent(r, step(s, l));
    const params = new Float32Array([1, 2, 3]);
    addLessonEvent(r, { type: 'finished', reason: 'done', step: 4, tokens: 1000, ms: 500, params });
    params[0] = 9; // the caller may hand the buffer on: the run keeps its own copy
    expect(r.losses).toEqual([4.0, 3.9, 3.7, 3.6]);
    expect([r.status, r.params, r.devices, r.optimizerBytes, r.checkpoints]).toEqual(['done', 100, 2, [800, 800], [2]]);
    expect(r.recoveries).toEqual([{ policy: 'restart', step: 2, stepsRedone: 1, devices: 2 }]);
    expect(r.measured).toBe(4); // steps 2, 3, 3 (again) and 4
    expect(perStep(r, 'bytesSent')).toEqual([100, 200]);
    expect(r.tokensPerS).toBe(2000);
    expect([...r.finalParams!]).toEqual([1, 2, 3]);
  });
});
