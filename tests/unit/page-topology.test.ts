// What the topology view replays: the allreduce patterns (every ring chunk visits every device and each
// device sends 2(N-1)/N of a bucket; naive and tree reduce into device 0 and come back down), and the
// transfers of a real 4-device step, which must move exactly the bytes the step measured on each link
// and happen inside the measured bucket spans.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { taskText } from '../../src/engine/data/tasks';
import { bucketSteps, linkLoads, patternLinks, replayWindow, transfersOf, treeParent, type Transfer } from '../../src/state/topology';
import { runLocal } from './run-helpers';

describe('allreduce patterns', () => {
  it('ring: N-1 reduce-scatter then N-1 all-gather steps; every chunk passes every device; 2(N-1) chunks sent per device', () => {
    for (const N of [2, 3, 4, 5, 8]) {
      const steps = bucketSteps('ring', N, false);
      expect(steps.map((s) => s.phase)).toEqual([...Array(N - 1).fill('reduce-scatter'), ...Array(N - 1).fill('all-gather')]);
      for (let c = 0; c < N; c++) {
        // reduce-scatter: chunk c visits each device once, collecting everyone's share, and ends at device c
        const path = steps.slice(0, N - 1).flatMap((s) => s.sends.filter((x) => x.chunk === c));
        expect(new Set(path.map((x) => x.from)).size, `N=${N} chunk ${c}`).toBe(N - 1);
        expect(path.at(-1)!.to).toBe(c);
      }
      // all-gather: each device hears every chunk but its own
      for (let r = 0; r < N; r++) {
        const got = steps.slice(N - 1).flatMap((s) => s.sends.filter((x) => x.to === r).map((x) => x.chunk));
        expect(new Set(got)).toEqual(new Set(Array.from({ length: N }, (_, c) => c).filter((c) => c !== r)));
      }
      expect(steps.flatMap((s) => s.sends).filter((x) => x.from === 0)).toHaveLength(2 * (N - 1));
    }
  });

  it('naive and tree reduce into device 0 and broadcast back; ZeRO-1 keeps only the reduce half', () => {
    expect(bucketSteps('naive', 4, false).map((s) => s.sends.map((x) => `${x.from}>${x.to}`))).toEqual([['1>0', '2>0', '3>0'], ['0>1', '0>2', '0>3']]);
    expect(bucketSteps('tree', 8, false).map((s) => s.sends.map((x) => `${x.from}>${x.to}`))).toEqual([
      ['1>0', '3>2', '5>4', '7>6'], ['2>0', '6>4'], ['4>0'], ['0>4'], ['0>2', '4>6'], ['0>1', '2>3', '4>5', '6>7'],
    ]);
    expect([1, 2, 3, 6, 7].map(treeParent)).toEqual([0, 0, 2, 4, 6]);
    expect(bucketSteps('ring', 4, true).every((s) => s.phase === 'reduce-scatter')).toBe(true);
    expect(patternLinks('ring', 3)).toEqual([{ from: 0, to: 1 }, { from: 1, to: 2 }, { from: 2, to: 0 }]);
    expect(patternLinks('naive', 3)).toHaveLength(4);
    expect(patternLinks('ring', 1)).toEqual([]);
  });
});

describe('replay window', () => {
  const x = (t0: number, t1: number): Transfer => ({ from: 0, to: 1, t0, t1, phase: 'reduce-scatter', bucket: 0, chunk: 0, bytes: 4, stepNo: 1, stepsInPhase: 1 });
  it('frames the transfers with a tenth of their span on each side, within the step', () => {
    expect(replayWindow([x(50, 60), x(70, 90)], 100)).toEqual({ t0: 46, t1: 94 });
    expect(replayWindow([x(1, 11)], 11.5)).toEqual({ t0: 0, t1: 11.5 });
    expect(replayWindow([], 80)).toEqual({ t0: 0, t1: 80 });
  });
});

describe('a real step replayed', () => {
  const data = makeDataset('add2', taskText('add2')!, 0.1);

  it('moves the bytes each link measured, inside each device\'s bucket spans', async () => {
    // a small bucket cap gives several buckets; 4 devices and a parameter count not divisible by 4
    const cfg = parseConfig({ devices: 4, microBatch: 1, steps: 2, warmup: 0, nLayer: 1, nHead: 2, nEmbd: 18, blockSize: 8, data: 'add2', bucketMb: 0.01, evalEvery: 0, evalWindows: 2 });
    const run = await runLocal(cfg, data);
    expect(run.failed).toBeNull();
    const m = run.steps[1];
    const transfers = transfersOf(m, cfg);
    const buckets = new Set(m.timeline[0].filter((e) => e.kind === 'bucket').map((e) => e.bucket));
    expect(buckets.size).toBeGreaterThan(1);
    expect(transfers).toHaveLength(buckets.size * 2 * 3 * 4); // per bucket 2(N-1) steps, N senders
    for (let from = 0; from < 4; from++) {
      for (let to = 0; to < 4; to++) {
        const moved = transfers.filter((x) => x.from === from && x.to === to).reduce((a, x) => a + x.bytes, 0);
        // chunks of a bucket differ by at most one element when it does not divide by N (4 bytes each)
        expect(Math.abs(moved - m.bytesPerLink[from][to]), `${from}->${to}`).toBeLessThanOrEqual(4 * 2 * 3 * buckets.size);
        if (to !== (from + 1) % 4) expect(moved).toBe(0);
      }
    }
    for (const x of transfers) {
      const span = m.timeline[x.from].find((e) => e.kind === 'bucket' && e.bucket === x.bucket)!;
      expect(x.t0).toBeGreaterThanOrEqual(span.t0 - 1e-9);
      expect(x.t1).toBeLessThanOrEqual(span.t1 + 1e-9);
    }
    const loads = linkLoads(m, 0);
    expect(loads.map((l) => `${l.from}>${l.to}`).sort()).toEqual(['0>1', '1>2', '2>3', '3>0']);
    expect(loads.every((l) => l.utilisation === null && l.rate > 0)).toBe(true);
    expect(linkLoads(m, 1)[0].utilisation).toBeCloseTo(loads[0].rate / 1e9, 15);
  });
});
