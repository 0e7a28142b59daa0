// `npm run export` end to end on tiny runs: from a run directory (its newest checkpoint), a checkpoint
// directory, and a run that kept only final.safetensors; the bundle's data is the run's data; a moved text
// file is asked for with --data; and the error contract (one line on stderr, exit code 2).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadData } from '../../src/cli/data';
import { readTokenBin } from '../../src/engine/export';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npm(script: string, args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', script, '--', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tiny = ['--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--micro-batch', '4', '--eval-every', '2', '--eval-windows', '4', '--warmup', '1', '--quiet'];
const run = join(dir, 'run');
const bytes = (p: string) => new Uint8Array(readFileSync(p));
/** `key = value` of a config file line. */
const setting = (text: string, key: string) => new RegExp(`^${key} = (\\S+)`, 'm').exec(text)?.[1];

beforeAll(() => {
  const r = npm('train', [...tiny, '--data', 'add2', '--devices', '2', '--accum', '2', '--steps', '4', '--checkpoint-every', '2', '--out', run]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 120_000);

describe('npm run export', () => {
  it('exports a run directory\'s newest checkpoint with the run\'s data', () => {
    const out = join(dir, 'bundle');
    const r = npm('export', ['--from', run, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^exported .*checkpoints\/step-4\/checkpoint\.safetensors \(step 4 of 4\) to /);
    expect(r.stdout).toContain(`python ${out}/to_nanogpt.py\n  torchrun --standalone --nproc_per_node=2 train.py config/ringlab_add2.py\n`);
    expect(bytes(join(out, 'checkpoint.safetensors'))).toEqual(bytes(join(run, 'checkpoints', 'step-4', 'checkpoint.safetensors')));
    const data = loadData('add2');
    expect(readTokenBin(bytes(join(out, 'data', 'ringlab_add2', 'train.bin')))).toEqual(data.train);
    expect(readTokenBin(bytes(join(out, 'data', 'ringlab_add2', 'val.bin')))).toEqual(data.val);
    const config = readFileSync(join(out, 'config', 'ringlab_add2.py'), 'utf8');
    expect([setting(config, 'batch_size'), setting(config, 'gradient_accumulation_steps'), setting(config, 'max_iters'), setting(config, 'init_from')]).toEqual(['4', '4', '4', "'resume'"]);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain(`python ${out}/to_nanogpt.py`);
    // an earlier bundle may be overwritten; and a checkpoint directory is a source too
    const again = npm('export', ['--from', join(run, 'checkpoints', 'step-2'), '--out', out, '--name', 'early']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\(step 2 of 4\)/);
    expect(setting(readFileSync(join(out, 'config', 'early.py'), 'utf8'), 'dataset')).toBe("'early'");
  });

  it('exports a run that kept only final.safetensors: its weights at the last step, AdamW afresh', () => {
    const weightsOnly = join(dir, 'weights-only');
    mkdirSync(weightsOnly);
    for (const f of ['final.safetensors', 'metrics.jsonl']) copyFileSync(join(run, f), join(weightsOnly, f));
    const r = npm('export', ['--from', weightsOnly, '--out', join(dir, 'bundle-final')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/final\.safetensors holds weights only: the bundle continues from step 4 with a fresh AdamW/);
    expect(r.stdout).toMatch(/not carried over: the optimizer state/);
    rmSync(join(weightsOnly, 'metrics.jsonl'));
    const e = npm('export', ['--from', join(weightsOnly, 'final.safetensors'), '--out', join(dir, 'bundle-final2')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/^npm run export: --from: .*final\.safetensors holds weights only, and no .*metrics\.jsonl says at which step; export a checkpoint instead/);
  });

  it('asks for a moved text file with --data, and takes it there', () => {
    const text = join(dir, 'text.txt');
    writeFileSync(text, 'the quick brown fox jumps over the lazy dog\n'.repeat(60));
    const textRun = join(dir, 'text-run');
    expect(npm('train', [...tiny, '--data', text, '--steps', '2', '--checkpoint-every', '2', '--out', textRun]).code).toBe(0);
    const moved = join(dir, 'moved.txt');
    renameSync(text, moved);
    const e = npm('export', ['--from', textRun, '--out', join(dir, 'bundle-text')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/^npm run export: the run's data: '.*text\.txt' is neither a file nor a task .*; pass the run's text file with --data FILE\n$/);
    writeFileSync(text, 'other text with the same letters\n'.repeat(80));
    const other = npm('export', ['--from', textRun, '--out', join(dir, 'bundle-text')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^npm run export: the data is not the data this checkpoint was trained on/);
    const ok = npm('export', ['--from', textRun, '--out', join(dir, 'bundle-text'), '--data', moved]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/config\/ringlab_text\.py/);
  });

  it('refuses an SGD run: nanoGPT trains with AdamW only', () => {
    const sgd = join(dir, 'sgd');
    expect(npm('train', [...tiny, '--data', 'copy', '--optimizer', 'sgd', '--lr', '0.1', '--steps', '2', '--checkpoint-every', '2', '--out', sgd]).code).toBe(0);
    const e = npm('export', ['--from', sgd, '--out', join(dir, 'bundle-sgd')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/^npm run export: this run trains with sgd; nanoGPT's train.py trains with AdamW only/);
  });

  it.each([
    [[], /^npm run export: --from RUN_DIR\|CHECKPOINT is required/],
    [['--from', run], /^npm run export: --out DIR is required/],
    [['--bogus', '1'], /^npm run export: unknown option --bogus/],
    [['--from'], /^npm run export: option --from needs a value$/],
    [['--from', 'FILE:nope', '--out', 'OUT'], /^npm run export: --from: .*nope: no such file or directory$/],
    [['--from', 'FILE:', '--out', 'OUT'], /^npm run export: --from: .* is neither a checkpoint file, a checkpoint directory .* nor a run directory/],
    [['--from', run, '--out', 'FILE:a-file'], /^npm run export: --out: .*a-file is a file, not a directory$/],
    [['--from', run, '--out', 'FILE:'], /^npm run export: --out: .* is not empty and holds no export bundle; choose a new directory$/],
    [['--from', run, '--out', 'OUT', '--name', 'a b'], /^npm run export: name 'a b' must be 1 to 64 letters/],
    [['--from', 'FILE:junk.safetensors', '--out', 'OUT'], /^npm run export: /],
  ])('refuses %j in one line with exit 2', (args, message) => {
    mkdirSync(join(dir, 'errors'), { recursive: true });
    writeFileSync(join(dir, 'errors', 'a-file'), 'x');
    writeFileSync(join(dir, 'errors', 'junk.safetensors'), 'not a safetensors file at all');
    const a = args.map((x) => (x === 'OUT' ? join(dir, 'errors-out') : x.startsWith('FILE:') ? join(dir, 'errors', x.slice(5)) : x));
    const r = npm('export', a);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(2);
  });
});
