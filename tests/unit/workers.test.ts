// The distributed runtime on real worker_threads: N device workers wired worker-to-worker by
// MessageChannels, driven by the run driver through the coordinator. Same weights as the in-thread group
// (the same arithmetic in the same order, so bit-identical); every failure kind arrives as its code with
// the device blamed and the step; a stop ends the run after the step in flight.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type RunConfigInput } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { RunError } from '../../src/engine/errors';
import { startRun, type RunEnv } from '../../src/run/driver';
import type { RunEvent } from '../../src/run/events';
import { Coordinator, type CoordinatorOptions } from '../../src/workers/coordinator';
import { spawnNodeWorker } from '../../src/workers/node-spawn';
import { runLocal } from './run-helpers';

const TEXT = 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(3).slice(0, 200);
const ds = makeDataset('t', TEXT, 0.1);
const data = { train: ds.train, val: ds.val, vocabSize: ds.tokenizer.vocabSize };
const tiny: RunConfigInput = { nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 8, steps: 10, lr: 1e-2, warmup: 2, evalEvery: 0, evalWindows: 2, bucketMb: 0.002 };
const spawn = (r: number) => spawnNodeWorker(new URL('../../src/workers/device.worker.ts', import.meta.url), `device ${r}`);

let running: Coordinator[] = [];
afterEach(async () => {
  await Promise.all(running.map((c) => c.close()));
  running = [];
});

async function start(over: RunConfigInput, extra: Partial<CoordinatorOptions> = {}): Promise<Coordinator> {
  const c = await Coordinator.start({ cfg: parseConfig({ ...tiny, ...over }), data, spawn, ...extra });
  running.push(c);
  return c;
}

/** The driver's environment with worker devices. */
const workerEnv = (extra: Partial<CoordinatorOptions> = {}, o: Partial<RunEnv> = {}): RunEnv => ({
  memoryBudget: 2 ** 32,
  resolveBackend: async () => ({ name: 'cpu', reason: null }),
  createGroup: async (cfg, d) => {
    const c = await Coordinator.start({ cfg, data: d, spawn, ...extra });
    running.push(c);
    return c;
  },
  ...o,
});

async function drive(over: RunConfigInput, env: RunEnv): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const ev of startRun(parseConfig({ ...tiny, ...over }), ds, env)) events.push(ev);
  return events;
}

/** The failure record a call rejected with. */
async function failureOf(p: Promise<unknown>) {
  const e = await p.then(() => null, (x) => x);
  expect(e).toBeInstanceOf(RunError);
  return (e as RunError).failure;
}

describe('coordinator and device workers', () => {
  it('(2,4,2) on two workers equals the in-thread group bit for bit, with per-device metrics', async () => {
    const events = await drive({ devices: 2, microBatch: 4, accum: 2, steps: 3 }, workerEnv());
    const local = await runLocal(parseConfig({ ...tiny, devices: 2, microBatch: 4, accum: 2, steps: 3 }), ds);
    const fin = events.find((e) => e.type === 'finished');
    expect(fin?.type === 'finished' && fin.params).toEqual(local.finished!.params);

    const steps = events.flatMap((e) => (e.type === 'step' ? [e.metrics] : []));
    const m = steps[2];
    expect(m.step).toBe(3);
    expect(m.samples.map((d) => d.map((k) => k.length))).toEqual([[4, 4], [4, 4]]);
    expect(m.bytesPerLink[0][1]).toBeGreaterThan(0);
    expect(m.bytesPerLink[0][0]).toBe(0);
    expect(m.msCompute.length).toBe(2);
    expect(m.timeline[1].some((e) => e.kind === 'bucket')).toBe(true);
    const started = events.find((e) => e.type === 'started');
    expect(started?.type === 'started' && started.devices.map((i) => i.memory.bytesPerParam)).toEqual([16, 16]); // f32 weights + grads + AdamW m, v
  });

  it('a simulated link delays every message by its latency, and a straggler makes its peer wait', async () => {
    // Ring allreduce on 2 devices: a reduce-scatter step then an all-gather step, each a message that
    // waits 150 ms on the link, so no step can take less than 2 x 150 ms (the config is in ms, the
    // transport in seconds: a units slip makes this 0.3 ms, or a 150 s timeout).
    const slowLink = await start({ devices: 2, microBatch: 2, linkLatency: 150, bucketMb: 25 });
    await slowLink.step();
    const m = await slowLink.step();
    expect(Math.min(...m.map((r) => r.msComm + r.msIdle))).toBeGreaterThanOrEqual(2 * 150 * 0.98);
    // Device 1 computes 10x as long, so device 0 spends most of its step waiting for it. A model big
    // enough that a micro-step takes milliseconds, so the straggler's extra time (9 of its own compute
    // times) stands far above scheduling noise on a busy machine.
    const straggler = await start({ devices: 2, microBatch: 8, nEmbd: 64, nHead: 4, blockSize: 16, slowDevice: '1:10', bucketMb: 25 });
    await straggler.step();
    const s = await straggler.step();
    expect(s[1].msCompute).toBeGreaterThan(2 * s[0].msCompute);
    expect(s[0].msIdle).toBeGreaterThan(s[0].msCompute);
  });

  it('ZeRO-1 on 4 workers: 4 + 4 + 8/4 bytes/param per device, as the ZeRO formula with N = 4', async () => {
    const c = await start({ devices: 4, microBatch: 2, accum: 1, zero: 1 });
    for (const i of c.info) {
      expect(i.memory.bytesPerParam).toBeCloseTo(4 + 4 + 8 / 4, 3); // shards differ by at most one parameter
      expect(i.memory.mixedPrecisionBytesPerParam).toBe(2 + 2 + 12 / 4);
    }
    const m = await c.step();
    expect(m.every((r) => Number.isFinite(r.lossSum))).toBe(true);
  });
});

describe('failures arrive as records with their code, device and step', () => {
  it('THREW: a device that throws fails the step at once; its peers report ABORTED, the root cause wins', async () => {
    const c = await start({ devices: 3, microBatch: 2, accum: 1 }, { faults: { 1: { step: 2, mode: 'throw' } }, timeoutMs: 20_000 });
    await c.step();
    const t0 = performance.now();
    const f = await failureOf(c.step());
    expect(f).toMatchObject({ code: 'THREW', rank: 1, step: 2 });
    expect(f.message).toBe('device 1: injected failure at step 2');
    expect(performance.now() - t0).toBeLessThan(5000); // far below the 20 s collective timeout
  });

  it('SILENT: a device that stops answering is named within the collective timeout', async () => {
    // step 2: the broadcast and the first step wait at least 60 s for a peer (warm-up)
    const c = await start({ devices: 3, microBatch: 2, accum: 1 }, { faults: { 2: { step: 2, mode: 'hang' } }, timeoutMs: 1000 });
    await c.step();
    const t0 = performance.now();
    const f = await failureOf(c.step());
    expect(f).toMatchObject({ code: 'SILENT', rank: 2, step: 2 });
    expect(f.message).toMatch(/rank 2 is not answering/);
    expect(performance.now() - t0).toBeLessThan(8000);
  });

  it('EXITED: a worker that exits is detected at once, and its peers stop waiting for it', async () => {
    const c = await start({ devices: 3, microBatch: 2, accum: 1 }, { faults: { 1: { step: 2, mode: 'exit' } }, timeoutMs: 30_000 });
    await c.step();
    const t0 = performance.now();
    const f = await failureOf(c.step());
    expect(f).toMatchObject({ code: 'EXITED', rank: 1, step: 2 });
    expect(f.message).toMatch(/device 1 exited with code 1/);
    expect(performance.now() - t0).toBeLessThan(5000); // not the 30 s collective timeout
  });

  it('DIVERGED: a NaN in the weights stops every device at that step; DATA and MEMORY come before any device starts', async () => {
    const nan = await drive({ devices: 2, microBatch: 4, steps: 5 }, workerEnv({ faults: { 0: { step: 3, mode: 'nan' } } }));
    expect(nan.at(-1)).toMatchObject({ type: 'failed', failure: { code: 'DIVERGED', step: 3 } });
    expect(nan.filter((e) => e.type === 'step')).toHaveLength(2);
    const data = await runLocal(parseConfig({ ...tiny, microBatch: 512 }), ds);
    expect(data.failed?.failure).toMatchObject({ code: 'DATA', rank: null, step: 1 });
    expect(data.events).toHaveLength(1);
    const memory = await runLocal(parseConfig(tiny), ds, { memoryBudget: 1000 });
    expect(memory.failed?.failure).toMatchObject({ code: 'MEMORY', rank: null });
  });
});

describe('stopping', () => {
  it('an abort through the signal ends the run after the step in flight, with the weights', async () => {
    const ctl = new AbortController();
    const events: RunEvent[] = [];
    for await (const ev of startRun(parseConfig({ ...tiny, devices: 2, microBatch: 2, steps: 50 }), ds, workerEnv({}, { signal: ctl.signal }))) {
      events.push(ev);
      if (ev.type === 'step' && ev.metrics.step === 3) ctl.abort();
    }
    const last = events.at(-1);
    expect(last).toMatchObject({ type: 'finished', reason: 'stopped', step: 3 });
    expect(events.filter((e) => e.type === 'step')).toHaveLength(3);
    expect(last?.type === 'finished' && last.params.length).toBeGreaterThan(0);
  });
});
