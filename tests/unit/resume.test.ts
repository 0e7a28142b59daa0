// Exact resume through the command line, in a fresh process: training 2T steps equals training T steps
// (stopping with a checkpoint), then `--resume RUN_DIR --out RUN_DIR` for T more, bit for bit on the
// CPU backend, for 2 devices with accumulation, for fp16 with loss scaling (an initial scale high
// enough that the first steps overflow and are skipped before the checkpoint), and for ZeRO-1. The
// checkpoint holds everything the run depends on (weights, every optimizer shard, step, loss scale and
// its growth counter; the sampler depends only on seed, step and global batch), so nothing may differ.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importWeights } from '../../src/engine/train/weights';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run train` in a child process (asynchronous, so runs can overlap). */
function train(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('npm', ['run', '--silent', 'train', '--', ...args], { cwd: root });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

const lines = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const weights = (out: string) => importWeights(readFileSync(join(out, 'final.safetensors'))).params;
const tiny = ['--data', 'add2', '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--eval-every', '0', '--eval-windows', '4', '--warmup', '2', '--lr', '0.01', '--quiet'];

describe.each([
  ['2 devices x accumulation 2', ['--devices', '2', '--micro-batch', '2', '--accum', '2']],
  ['fp16 with skipped steps before the checkpoint', ['--precision', 'fp16', '--loss-scale', '1e12', '--micro-batch', '4']],
  ['ZeRO-1 on 2 devices', ['--devices', '2', '--micro-batch', '2', '--zero', '1']],
])('%s', (name, split) => {
  it('2T uninterrupted equals T + checkpoint + resume in a fresh process + T, bit for bit', async () => {
    const T = 3;
    const whole = join(dir, `${name}-whole`), parts = join(dir, `${name}-parts`);
    const common = [...tiny, ...split, '--steps', String(2 * T)];
    const [a, b] = await Promise.all([train([...common, '--out', whole]), train([...common, '--out', parts, '--checkpoint-every', String(T), '--stop-after', String(T)])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(lines(parts).map((m) => m.step)).toEqual([1, 2, 3]);
    const c = await train(['--resume', parts, '--out', parts]);
    expect(c.code, c.stderr).toBe(0);
    const [u, r] = [lines(whole), lines(parts)];
    expect(r.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.map((m) => [m.loss, m.loss_scale, m.skipped])).toEqual(u.map((m) => [m.loss, m.loss_scale, m.skipped]));
    expect(weights(parts)).toEqual(weights(whole));
    if (name.startsWith('fp16')) {
      // the scale backed off from 1e12 while steps were skipped, before the checkpoint at T
      expect(u.slice(0, T).some((m) => m.skipped)).toBe(true);
      expect(u[T].loss_scale).toBeLessThan(1e12);
    }
  }, 120_000);
});

describe('--resume refuses what it cannot continue exactly', () => {
  it('other data, another model, another global batch: one line each, exit 2', async () => {
    const run = join(dir, 'base');
    expect((await train([...tiny, '--steps', '4', '--micro-batch', '4', '--out', run, '--checkpoint-every', '2', '--stop-after', '2'])).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [['--data', 'add3'], /resume: the checkpoint was trained on other data/],
      [['--n-embd', '32'], /resume: the checkpoint has nEmbd 16, the settings say 32/],
      [['--micro-batch', '8'], /resume: the checkpoint's global batch is 4 sequences, the settings make 8/],
      // with or without a warmup that the shorter run could not hold: the step count is what is wrong
      [['--steps', '1', '--warmup', '0'], /--steps 1: the checkpoint is at step 2 and --steps is the run's total, so it must be at least 2/],
      [['--steps', '1'], /--steps 1: the checkpoint is at step 2 and --steps is the run's total, so it must be at least 2/],
    ];
    for (const [flags, msg] of cases) {
      const r = await train(['--resume', run, ...flags, '--quiet']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    const none = await train(['--resume', join(dir, 'nothing-here')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^npm run train: --resume: .*nothing-here: no such file or directory$/m);
  }, 120_000);
});
