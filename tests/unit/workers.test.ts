// The distributed runtime on real worker_threads: N device workers wired worker-to-worker by
// MessageChannels, driven by the coordinator. Same weights as the in-thread group (the same arithmetic
// in the same order, so bit-identical); failures (a throw, a hang) fail the step naming the device.
import { afterEach, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { Comm, localGroup } from '../../src/engine/collectives';
import { parseConfig, type RunConfigInput } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { DistDevice } from '../../src/engine/dist/device';
import { Coordinator, type CoordinatorOptions } from '../../src/workers/coordinator';
import { spawnNodeWorker } from '../../src/workers/node-spawn';

const TEXT = 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(3).slice(0, 200);
const ds = makeDataset('t', TEXT, 0.1);
const data = { train: ds.train, val: ds.val, vocabSize: ds.tokenizer.vocabSize };
const tiny: RunConfigInput = { nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 8, steps: 10, lr: 1e-2, warmup: 2, evalEvery: 0, evalWindows: 2, bucketMb: 0.002 };
const spawn = (r: number) => spawnNodeWorker(new URL('../../src/workers/device.worker.ts', import.meta.url), `device ${r}`);

let running: Coordinator[] = [];
afterEach(async () => {
  await Promise.all(running.map((c) => c.stop()));
  running = [];
});

async function start(over: RunConfigInput, extra: Partial<CoordinatorOptions> = {}): Promise<Coordinator> {
  const c = await Coordinator.start({ cfg: parseConfig({ ...tiny, ...over }), data, spawn, ...extra });
  running.push(c);
  return c;
}

describe('coordinator and device workers', () => {
  it('(2,4,2) on two workers equals the in-thread group bit for bit, with per-device metrics', async () => {
    const c = await start({ devices: 2, microBatch: 4, accum: 2 });
    const metrics = [];
    for (let s = 0; s < 3; s++) metrics.push(await c.trainStep());
    const got = await c.params();

    const cfg = parseConfig({ ...tiny, devices: 2, microBatch: 4, accum: 2 });
    const ts = localGroup(2);
    const devs = ts.map((t) => new DistDevice(new CpuBackend(), cfg, new Comm(t), data));
    for (let s = 0; s < 3; s++) await Promise.all(devs.map((d) => d.trainStep()));
    expect(got).toEqual(await devs[0].replica.getParams());
    ts.forEach((t) => t.close());

    const m = metrics[2];
    expect(m.step).toBe(3);
    expect(m.samples.map((d) => d.map((k) => k.length))).toEqual([[4, 4], [4, 4]]);
    expect(m.bytes_per_link[0][1]).toBeGreaterThan(0);
    expect(m.bytes_per_link[0][0]).toBe(0);
    expect(m.ms_compute.length).toBe(2);
    expect(m.timeline[1].some((e) => e.kind === 'bucket')).toBe(true);
    expect(c.info.map((i) => i.memory.bytesPerParam)).toEqual([16, 16]); // f32 weights + grads + AdamW m, v
  });

  it('a simulated link delays every message by its latency, and a straggler makes its peer wait', async () => {
    // Ring allreduce on 2 devices: a reduce-scatter step then an all-gather step, each a message that
    // waits 150 ms on the link, so no step can take less than 2 x 150 ms (the config is in ms, the
    // transport in seconds: a units slip makes this 0.3 ms, or a 150 s timeout).
    const slowLink = await start({ devices: 2, microBatch: 2, linkLatency: 150, bucketMb: 25 });
    await slowLink.trainStep();
    const m = await slowLink.trainStep();
    expect(Math.min(...m.ms_comm.map((c, i) => c + m.ms_idle[i]))).toBeGreaterThanOrEqual(2 * 150 * 0.98);
    // Device 1 computes 5x as long, so device 0 spends most of its step waiting for it.
    const straggler = await start({ devices: 2, microBatch: 2, slowDevice: '1:5', bucketMb: 25 });
    await straggler.trainStep();
    const s = await straggler.trainStep();
    expect(s.ms_compute[1]).toBeGreaterThan(2 * s.ms_compute[0]);
    expect(s.ms_idle[0]).toBeGreaterThan(s.ms_compute[0]);
  });

  it('ZeRO-1 on 4 workers: 4 + 4 + 8/4 bytes/param per device, as the ZeRO formula with N = 4', async () => {
    const c = await start({ devices: 4, microBatch: 2, accum: 1, zero: 1 });
    for (const i of c.info) {
      expect(i.memory.bytesPerParam).toBeCloseTo(4 + 4 + 8 / 4, 3); // shards differ by at most one parameter
      expect(i.memory.mixedPrecisionBytesPerParam).toBe(2 + 2 + 12 / 4);
    }
    const m = await c.trainStep();
    expect(Number.isFinite(m.loss)).toBe(true);
  });

  it('a device that throws fails the step at once, naming it', async () => {
    const c = await start({ devices: 3, microBatch: 2, accum: 1 }, { faults: { 1: { step: 2, mode: 'throw' } }, timeoutMs: 20_000 });
    await c.trainStep();
    const t0 = performance.now();
    await expect(c.trainStep()).rejects.toThrow(/step 2 failed on device 1: device 1: injected failure at step 2/);
    expect(performance.now() - t0).toBeLessThan(5000); // far below the 20 s collective timeout
  });

  it('a device that stops answering fails the step within the collective timeout, naming it', async () => {
    const c = await start({ devices: 3, microBatch: 2, accum: 1 }, { faults: { 2: { step: 1, mode: 'hang' } }, timeoutMs: 1000 });
    const t0 = performance.now();
    await expect(c.trainStep()).rejects.toThrow(/rank 2 is not answering/);
    expect(performance.now() - t0).toBeLessThan(8000);
  });
});
