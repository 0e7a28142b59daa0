// The page's downloads (src/engine/export/download.ts) against `npm run export`: for the same training
// state the page's tar holds the CLI's files byte for byte (given the same source and directory, the
// only words that differ); the page's own defaults change only the README and the config's header. And
// the state the page exports after a run (the driver's `finished.state`, or a request answered between
// steps) is, bit for bit, the state a checkpoint at that step holds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadData } from '../../src/cli/data';
import { importCheckpoint, type TrainingState } from '../../src/engine/checkpoint';
import { bundleDownload, bundleRoot, PAGE_SOURCE, weightsDownload } from '../../src/engine/export';
import { importWeights } from '../../src/engine/train/weights';
import { StateRequests } from '../../src/run/state-requests';
import { stateBits } from './checkpoint-helpers';
import { runLocal } from './run-helpers';
import { readTar } from './tar-read';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-page-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npm(script: string, args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', script, '--', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

/** Every file under `d`, as path relative to it -> bytes. */
function tree(d: string, base = d, out = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) tree(p, base, out);
    else out.set(relative(base, p), new Uint8Array(readFileSync(p)));
  }
  return out;
}

const run = join(dir, 'run'), out = join(dir, 'bundle');
const ckptFile = join(run, 'checkpoints', 'step-4', 'checkpoint.safetensors');
let state: TrainingState;
const data = loadData('add2');

// One device: the CLI then trains in its main thread, as runLocal does, so the two runs are bit-identical.
beforeAll(async () => {
  npm('train', ['--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--micro-batch', '4', '--accum', '2', '--eval-every', '2',
    '--eval-windows', '4', '--warmup', '1', '--quiet', '--data', 'add2', '--steps', '4', '--checkpoint-every', '4', '--out', run]);
  npm('export', ['--from', run, '--out', out]);
  state = await importCheckpoint(new Uint8Array(readFileSync(ckptFile)));
}, 180_000);

describe('the page\'s bundle download', () => {
  it('holds the CLI\'s files byte for byte when made with the same source and directory', async () => {
    const d = await bundleDownload({ state, train: data.train, val: data.val, source: ckptFile, dir: resolve(out) }, 1_700_000_000);
    const tar = readTar(d.bytes);
    const cli = tree(out);
    const name = 'ringlab_add2';
    expect(d.fileName).toBe(`${bundleRoot(name)}.tar`);
    expect([...tar.files.keys()].sort()).toEqual([...cli.keys()].map((p) => `${bundleRoot(name)}/${p}`).sort());
    for (const [p, bytes] of cli) expect(tar.files.get(`${bundleRoot(name)}/${p}`), p).toEqual(bytes);
    expect(tar.dirs).toEqual([`${bundleRoot(name)}/`, `${bundleRoot(name)}/config/`, `${bundleRoot(name)}/data/`, `${bundleRoot(name)}/data/${name}/`]);
  });

  it('with the page\'s defaults differs from the CLI\'s only in README.md and the config\'s header', async () => {
    const d = await bundleDownload({ state, train: data.train, val: data.val });
    const tar = readTar(d.bytes);
    const r = bundleRoot('ringlab_add2');
    const cli = tree(out);
    const differ = [...cli].filter(([p, b]) => !Buffer.from(tar.files.get(`${r}/${p}`)!).equals(b)).map(([p]) => p).sort();
    expect(differ).toEqual(['README.md', 'config/ringlab_add2.py']);
    const uncommented = (b: Uint8Array) => new TextDecoder().decode(b).split('\n').filter((l) => !l.startsWith('#'));
    expect(uncommented(tar.files.get(`${r}/config/ringlab_add2.py`)!)).toEqual(uncommented(cli.get('config/ringlab_add2.py')!));
    const readme = new TextDecoder().decode(tar.files.get(`${r}/README.md`)!);
    expect(readme).toContain(`from ${PAGE_SOURCE}: step 4 of 4`);
    expect(readme).toContain(`python ${r}/to_nanogpt.py`);
    expect(d.bundle.commands.torchrun).toBe('torchrun --standalone --nproc_per_node=1 train.py config/ringlab_add2.py');
  });

  it('gives the weights as the CLI\'s final.safetensors', () => {
    const w = weightsDownload(state);
    expect(w.fileName).toBe('ringlab_add2-step4.safetensors');
    expect(w.bytes).toEqual(new Uint8Array(readFileSync(join(run, 'final.safetensors'))));
    expect(importWeights(w.bytes).params).toEqual(state.params);
  });
});

describe('the state the page exports', () => {
  it('is the checkpoint\'s state, bit for bit, after the run and when asked for between steps', async () => {
    const states = new StateRequests();
    const atStep: TrainingState[] = [];
    const res = runLocal(state.config, data, { wantFinalState: true, states });
    void states.request().then((s) => atStep.push(s)); // answered before the first step
    const r = await res;
    expect(r.failed).toBeNull();
    const fin = r.finished!.state!;
    const same = (s: TrainingState) => ({ ...stateBits(s), savedAt: 0, history: s.history.map((h) => ({ ...(h as object), tokensPerS: 0, commShare: 0 })) });
    // the history's speeds and savedAt are this run's own; everything else is the checkpoint's
    expect(same(fin)).toEqual(same(state));
    expect(atStep.map((s) => s.step)).toEqual([0]);
    // a request after the run has ended is refused, not left waiting
    await expect(states.request()).rejects.toThrow(/the run has ended/);
  });
});
