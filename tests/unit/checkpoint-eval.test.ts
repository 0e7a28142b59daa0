// `npm run eval --weights` on a checkpoint file: its weights are evaluated (importWeights reading the
// same parameters as from a weights file is checked in checkpoint-format.test.ts), and a flipped bit
// anywhere, even in optimizer state eval does not use, is refused in one line with exit 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCheckpoint } from '../../src/engine/checkpoint';
import { makeState } from './checkpoint-helpers';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-ckpt-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function evalLoss(weights: string) {
  const r = spawnSync('npm', ['run', '--silent', 'eval', '--', '--weights', weights, '--data', join(dir, 'text.txt')], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run eval on a checkpoint', () => {
  it('evaluates its weights, and refuses a corrupt one with exit 2', async () => {
    writeFileSync(join(dir, 'text.txt'), 'abc defgh\nhgfed cba\n'.repeat(8));
    const s = makeState({ emaDecay: 0.5 }, { shards: 2 });
    const ckpt = await exportCheckpoint(s);
    writeFileSync(join(dir, 'ckpt.safetensors'), ckpt);
    const a = evalLoss(join(dir, 'ckpt.safetensors'));
    expect([a.code, a.stderr]).toEqual([0, '']);
    // random weights of std 0.5 on 10 characters: a finite loss well above ln 10 = 2.30
    expect(JSON.parse(a.stdout)).toMatchObject({ loss: expect.any(Number), windows: 19 }) // (160 characters - 1) / T=8;
    expect(JSON.parse(a.stdout).loss).toBeGreaterThan(2.3);
    const bad = ckpt.slice();
    bad[bad.length - 7] ^= 0x02; // inside the last optimizer slot: weights alone would not notice
    writeFileSync(join(dir, 'bad.safetensors'), bad);
    const c = evalLoss(join(dir, 'bad.safetensors'));
    expect(c.code).toBe(2);
    expect(c.stderr.trim()).toMatch(/^npm run eval: ringlab\.optim\.v\.1: SHA-256 [0-9a-f]{12}\.\.\. differs from the recorded/);
    expect(c.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
