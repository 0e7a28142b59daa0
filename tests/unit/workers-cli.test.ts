// `npm run train --devices N` end to end on a tiny task: the run goes through real worker_threads, and
// metrics.jsonl carries per-device fields and `samples` per device and micro-step; the global sample set
// of a step equals the single-device run's with the same global batch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-dist-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function train(args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'train', '--', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stderr: r.stderr };
}

const tiny = ['--data', 'add2', '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--eval-every', '0', '--eval-windows', '4', '--warmup', '1', '--steps', '2', '--quiet'];
const lines = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('npm run train --devices', () => {
  it('3 devices x micro-batch 2 x accum 2: per-device metrics, samples per device and micro-step, same samples as 1 x 12', () => {
    const multi = join(dir, 'multi'), single = join(dir, 'single');
    const r = train([...tiny, '--devices', '3', '--micro-batch', '2', '--accum', '2', '--bucket-mb', '0.01', '--out', multi]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(train([...tiny, '--devices', '1', '--micro-batch', '12', '--out', single]).code).toBe(0);
    const m = lines(multi), s = lines(single);
    expect(m.map((x) => x.step)).toEqual([1, 2]);
    for (const k of ['ms_compute', 'ms_comm', 'ms_idle', 'bytes_sent']) expect(m[1][k]).toHaveLength(3);
    expect(m[1].samples.map((d: number[][]) => d.map((k) => k.length))).toEqual([[2, 2], [2, 2], [2, 2]]);
    for (let t = 0; t < 2; t++) expect(m[t].samples.flat(2).sort((a: number, b: number) => a - b)).toEqual(s[t].samples.flat(2).sort((a: number, b: number) => a - b));
    expect(m[1].bytes_per_link[0][1]).toBeGreaterThan(0);
    // One spelling for 1 and N devices: every line carries the same keys (val_loss on the last step of both).
    expect(m.map((x) => Object.keys(x).sort())).toEqual(s.map((x) => Object.keys(x).sort()));
    expect(Object.keys(m[1])).toEqual(expect.arrayContaining(['bytes_per_link', 'collectives', 'timeline', 'comm_share', 'backend', 'val_loss']));
    // Same global batch, same update: the losses agree to f32 rounding of a different summation order.
    expect(m[1].loss).toBeCloseTo(s[1].loss, 5);
  });

  it('--kill-device with --recovery restart: fault and recovered lines in metrics.jsonl, with the contract keys and no loss', () => {
    const out = join(dir, 'kill');
    const r = train([...tiny.filter((a) => a !== '--quiet'), '--steps', '4', '--devices', '2', '--micro-batch', '2', '--kill-device', '1@3', '--checkpoint-every', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/device 1 failed at step 3 \(EXITED, noticed by exit event/);
    const all = lines(out);
    const events = all.filter((l) => 'event' in l);
    expect(events.map((e) => e.event)).toEqual(['fault', 'recovered']);
    for (const e of events) {
      for (const k of ['rank', 'step', 'detected_by', 'ms_to_detect', 'policy', 'steps_redone', 'ms_to_recover', 'devices']) expect(e).toHaveProperty(k);
      expect(e).not.toHaveProperty('loss');
    }
    expect(events[1]).toMatchObject({ policy: 'restart', steps_redone: 0, devices: 2, resumed_at: 2 });
    // steps 1..2, the fault, the recovery, then 3..4 trained after it
    expect(all.map((l) => l.event ?? l.step)).toEqual([1, 2, 'fault', 'recovered', 3, 4]);
  });

  it('a bad --slow-device is a one-line user error (exit 2)', () => {
    const r = train([...tiny, '--devices', '2', '--slow-device', '5:2']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/slow-device.*rank 5 does not exist with 2 device/);
  });
});
