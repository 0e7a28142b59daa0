// `npm run train` / `npm run eval` end to end on a tiny synthetic task: metrics.jsonl fields, weights
// files that `eval` reads back, and the error contract (one line on stderr, exit code 2).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importWeights } from '../../src/engine/train/weights';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-cli-'));
writeFileSync(join(dir, 'short.txt'), 'tiny text\n'); // 9 training tokens: no window of 17
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run an npm script quietly (--silent keeps npm's own banner and error lines out of the output). */
function npm(script: string, args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', script, '--', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tiny = ['--data', 'add2', '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--micro-batch', '4', '--eval-every', '2', '--eval-windows', '4', '--warmup', '1'];

describe('npm run train / eval', () => {
  it('trains a few steps, writes one metrics line per step and loadable weights', () => {
    const out = join(dir, 'run');
    const r = npm('train', [...tiny, '--steps', '3', '--out', out, '--save-init']);
    expect(r.stderr).toMatch(/val loss/);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((m) => m.step)).toEqual([1, 2, 3]);
    for (const m of lines) {
      for (const k of ['loss', 'lr', 'grad_norm', 'loss_scale', 'skipped', 'tokens', 'ms_compute', 'ms_comm', 'ms_idle', 'bytes_sent']) expect(m).toHaveProperty(k);
      expect(m.samples).toHaveLength(1); // one device
      expect(m.samples[0][0]).toHaveLength(4); // one micro-step of 4 windows
      expect(Number.isFinite(m.loss)).toBe(true);
    }
    expect(lines[1].val_loss).toBeGreaterThan(0);
    const init = importWeights(readFileSync(join(out, 'init.safetensors')));
    const final = importWeights(readFileSync(join(out, 'final.safetensors')));
    expect(final.cfg).toEqual({ vocabSize: init.tokenizer.vocabSize, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 });
    expect(final.params).not.toEqual(init.params);
    const e = npm('eval', ['--weights', join(out, 'final.safetensors'), '--data', 'add2', '--windows', '8']);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout).loss).toBeGreaterThan(0);
  });
  it('gives the same losses for the same seed', () => {
    const a = npm('train', [...tiny, '--steps', '2', '--out', join(dir, 'a'), '--quiet']);
    const b = npm('train', [...tiny, '--steps', '2', '--out', join(dir, 'b'), '--quiet']);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const losses = (d: string) => readFileSync(join(dir, d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss);
    expect(losses('a')).toEqual(losses('b'));
  });
  it.each([
    [['--devices', '9'], /^npm run train: --devices: must be an integer in \[1, 8\]$/],
    [['--n-embd', '31'], /^npm run train: --n-embd: 31 is not divisible by --n-head 2$/],
    [['--optimizer', 'adam'], /^npm run train: --optimizer: must be one of adamw\|sgd$/],
    [['--lr'], /^npm run train: option --lr needs a value$/],
    // every problem is named, each under its flag: a step count of 0 also makes the warmup too long
    [['--steps', '0', '--warmup', '1'], /^npm run train: --steps: must be an integer in \[1, 1000000\]; --warmup: 1 steps is longer than the run \(0 steps\)$/],
    [['--bogus', '1'], /^npm run train: unknown option --bogus/],
    [['--data', join(dir, 'nope.txt')], /^npm run train: --data: .* is neither a file nor a task/],
    [['--config', join(dir, 'nope.json')], /^npm run train: --config: cannot read/],
    [['--data', join(dir, 'short.txt')], /^npm run train: the training split has \d+ windows, fewer than one global batch of 4 sequences$/],
    [['--n-layer', '48', '--n-embd', '2048', '--n-head', '16', '--block-size', '2048', '--micro-batch', '512'], /^npm run train: this model needs about .* per device/],
  ])('bad input %j exits 2 with one line', (args, message) => {
    const r = npm('train', [...tiny, '--steps', '1', ...(args as string[])]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message as RegExp);
  });
  it('refuses an --out that already holds a run, unless the run is continued in place', () => {
    const out = join(dir, 'used');
    expect(npm('train', [...tiny, '--steps', '2', '--out', out, '--checkpoint-every', '1', '--quiet']).code).toBe(0);
    const before = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    const again = npm('train', [...tiny, '--steps', '3', '--out', out, '--quiet']);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`npm run train: --out ${out} already holds a run (metrics.jsonl, checkpoints, final.safetensors): choose another --out, remove it, or continue it with --resume ${out} --out ${out}`);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe(before); // nothing of the old run was touched
    const resumed = npm('train', ['--resume', out, '--steps', '3', '--out', out, '--quiet']);
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step)).toEqual([1, 2, 3]);
  });
  it('a resume asked for fewer steps than its checkpoint holds is refused for that; one with none left trains nothing and says so', () => {
    const out = join(dir, 'short-resume');
    expect(npm('train', [...tiny, '--steps', '2', '--warmup', '2', '--out', out, '--checkpoint-every', '2', '--quiet']).code).toBe(0);
    // the checkpoint's warmup (2) is longer than 1 step too, but the step count is what is wrong
    const fewer = npm('train', ['--resume', out, '--steps', '1']);
    expect(fewer.code).toBe(2);
    expect(fewer.stderr.trim()).toBe("npm run train: --steps 1: the checkpoint is at step 2 and --steps is the run's total, so it must be at least 2");
    const none = npm('train', ['--resume', out, '--steps', '2']);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/at step 2 of 2: nothing left to train \(raise --steps to go on\)/);
    expect(none.stderr).toMatch(/^done: val loss .*validation windows\), no step trained$/m);
    expect(none.stderr).not.toMatch(/tokens\/s|per device ms\/step/);
  });
  it('eval --help prints its options and exits 0, as train and export do', () => {
    const r = npm('eval', ['--help']);
    expect(r.code).toBe(0);
    for (const o of ['--weights', '--data', '--windows', '--backend']) expect(r.stdout).toContain(o);
  });
  it('eval rejects a corrupt weights file with one line and exit 2', () => {
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 123, 34, 120]));
    const r = npm('eval', ['--weights', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^npm run eval: header length 8 runs past the end/);
    expect(existsSync(bad)).toBe(true);
  });
  it('reads --config JSON and lets flags override it', () => {
    const cfgFile = join(dir, 'cfg.json');
    writeFileSync(cfgFile, JSON.stringify({ data: 'add2', nLayer: 1, nHead: 2, nEmbd: 31, blockSize: 16, microBatch: 4, steps: 1, warmup: 0, evalWindows: 4 }));
    expect(npm('train', ['--config', cfgFile]).stderr.trim()).toBe('npm run train: --n-embd: 31 is not divisible by --n-head 2');
    const ok = npm('train', ['--config', cfgFile, '--n-embd', '16', '--quiet']);
    expect(ok.code).toBe(0);
  });
});
