// Checkpoints on disk: the store's operations, what interrupted saves leave behind (ignored, then
// cleaned), a full disk (QUOTA, nothing lost), --resume paths, and a child process SIGKILLed at random
// moments while saving: after every kill every listed checkpoint loads, verified, and no save the child
// reported as done is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CheckpointError, exportCheckpoint, loadNewestValid, toParts, type CheckpointCode } from '../../src/engine/checkpoint';
import { DATA_FILE, DiskCheckpointStore, latest, loadCheckpointFile, loadResume, MANIFEST_FILE, resolveResume } from '../../src/cli/checkpoint-disk';
import { makeState, stateBits } from './checkpoint-helpers';

// A switch to make file writes fail as a full disk does (ENOSPC), for the QUOTA test only.
const disk = vi.hoisted(() => ({ full: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof fs.open = async (path, ...rest) => {
    if (disk.full && String(path).endsWith('.tmp')) throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), { code: 'ENOSPC' });
    return fs.open(path, ...rest);
  };
  return { ...fs, open, default: { ...fs, open } };
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const root = mkdtempSync(join(tmpdir(), 'ringlab-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const newRun = () => join(root, `run${runs++}`);
const big = { steps: 1_000_000 };
const parts = (step: number) => toParts(makeState(big, { step, seed: step }), { loss: 1 / step });

async function code(p: Promise<unknown>): Promise<CheckpointCode> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as CheckpointError).code;
  }
  throw new Error('expected a CheckpointError');
}

describe('disk checkpoint store', () => {
  it('saves, lists (numerically), loads bit-exactly, deletes, prunes and finds the latest', async () => {
    const s = new DiskCheckpointStore(newRun());
    expect(await s.latest()).toBeNull();
    for (const step of [2, 10, 9]) await s.save(await parts(step));
    const list = await s.list();
    expect(list.map((c) => c.id)).toEqual(['step-2', 'step-9', 'step-10']); // 10 after 9, not after 1
    expect(list[2]).toMatchObject({ step: 10, loss: 0.1 });
    expect(list[2].bytes).toBeGreaterThan(3 * 1032 * 4); // weights + AdamW m, v
    expect(stateBits(await s.load('step-9'))).toEqual(stateBits(makeState(big, { step: 9, seed: 9 })));
    expect((await latest(s.runDir))!.id).toBe('step-10');
    await s.delete('step-9');
    expect((await s.list()).map((c) => c.step)).toEqual([2, 10]);
    expect(await s.prune(1)).toEqual(['step-2']);
    expect(readdirSync(s.root)).toEqual(['step-10']);
    expect(await code(s.load('step-9'))).toBe('NOT_FOUND');
    expect(await code(s.load('../../etc'))).toBe('NOT_FOUND');
  });
  it('keeps the last K on save, deleting old ones only after the new one is committed', async () => {
    const s = new DiskCheckpointStore(newRun());
    for (let step = 1; step <= 5; step++) await s.save(await parts(step), { keep: 2 });
    expect((await s.list()).map((c) => c.step)).toEqual([4, 5]);
  });
  it('ignores a directory without a manifest and leftover .tmp files; the next save cleans them', async () => {
    const s = new DiskCheckpointStore(newRun());
    await s.save(await parts(3));
    // an interrupted save of step 4 (data renamed into place, no manifest) and of step 5 (only a .tmp)
    mkdirSync(join(s.root, 'step-4'));
    writeFileSync(join(s.root, 'step-4', DATA_FILE), await exportCheckpoint(makeState(big, { step: 4 })));
    mkdirSync(join(s.root, 'step-5'));
    writeFileSync(join(s.root, 'step-5', `${MANIFEST_FILE}.tmp`), '{}');
    writeFileSync(join(s.root, 'step-3', `${DATA_FILE}.tmp`), 'partial');
    expect((await s.list()).map((c) => c.id)).toEqual(['step-3']);
    expect((await s.latest())!.id).toBe('step-3');
    expect(await code(s.load('step-4'))).toBe('NOT_FOUND');
    expect(await code(resolveResume(join(s.root, 'step-4')))).toBe('NOT_FOUND');
    await s.save(await parts(6));
    expect(readdirSync(s.root).sort()).toEqual(['step-3', 'step-6']);
    expect(readdirSync(join(s.root, 'step-3')).sort()).toEqual([DATA_FILE, MANIFEST_FILE]);
  });
  it('refuses a corrupt checkpoint (HASH) and loadNewestValid falls back to the one before', async () => {
    const s = new DiskCheckpointStore(newRun());
    await s.save(await parts(1));
    await s.save(await parts(2));
    const f = join(s.root, 'step-2', DATA_FILE);
    const b = readFileSync(f);
    b[b.length - 100] ^= 0x04;
    writeFileSync(f, b);
    expect(await code(s.load('step-2'))).toBe('HASH');
    const r = await loadNewestValid(s);
    expect(r!.summary.id).toBe('step-1');
    expect(r!.rejected.map((x) => [x.summary.id, x.error.code])).toEqual([['step-2', 'HASH']]);
    writeFileSync(f, b.subarray(0, 1000));
    expect(await code(s.load('step-2'))).toBe('TRUNCATED');
  });
  it('replaces a checkpoint saved again at the same step', async () => {
    const s = new DiskCheckpointStore(newRun());
    await s.save(await parts(4));
    await s.save(await toParts(makeState(big, { step: 4, seed: 99 })));
    expect((await s.list()).length).toBe(1);
    expect(stateBits(await s.load('step-4'))).toEqual(stateBits(makeState(big, { step: 4, seed: 99 })));
  });
  it('a full disk is QUOTA, and every checkpoint saved before stays loadable', async () => {
    const s = new DiskCheckpointStore(newRun());
    await s.save(await parts(1));
    disk.full = true;
    try {
      expect(await code(s.save(await parts(2), { keep: 1 }))).toBe('QUOTA');
    } finally {
      disk.full = false;
    }
    expect((await s.list()).map((c) => c.id)).toEqual(['step-1']);
    expect((await s.load('step-1')).step).toBe(1);
  });
  it('resolves --resume from a file, a checkpoint directory, a run directory or its checkpoints/', async () => {
    const run = newRun();
    const s = new DiskCheckpointStore(run);
    await s.save(await parts(7));
    await s.save(await parts(8));
    const file = join(root, 'exported.safetensors');
    writeFileSync(file, await exportCheckpoint(makeState(big, { step: 3, seed: 3 })));
    const cases: [string, string, number][] = [
      [file, 'file', 3], [join(s.root, 'step-7'), 'checkpoint', 7], [run, 'checkpoint', 8], [s.root, 'checkpoint', 8],
      [join(s.root, 'step-7', MANIFEST_FILE), 'checkpoint', 7],
    ];
    for (const [path, kind, step] of cases) {
      const t = await resolveResume(path);
      expect([path, t.kind]).toEqual([path, kind]);
      expect((await loadResume(t)).step).toBe(step);
    }
    const copy = join(root, 'copied-step-7'); // a checkpoint directory moved out of its run
    cpSync(join(s.root, 'step-7'), copy, { recursive: true });
    expect((await resolveResume(copy)).kind).toBe('file');
    expect((await loadResume(await resolveResume(copy))).step).toBe(7);
    expect(await code(loadCheckpointFile(join(root, 'missing.safetensors')))).toBe('IO');
    const empty = newRun();
    mkdirSync(join(empty, 'checkpoints'), { recursive: true });
    for (const p of [join(root, 'nothing-here'), root, empty]) expect(await code(resolveResume(p))).toBe('NOT_FOUND');
    await expect(resolveResume(empty)).rejects.toThrow(/holds no complete checkpoint/);
  });
});

describe('disk checkpoints under SIGKILL', () => {
  let writer = '';
  beforeAll(async () => {
    // One bundled file: a child starts in ~0.1 s of its own work instead of ~1 s through tsx.
    const out = join(root, 'writer');
    await build({
      configFile: false, logLevel: 'warn', ssr: { noExternal: true },
      build: { ssr: join(import.meta.dirname, 'checkpoint-writer.ts'), outDir: out, emptyOutDir: true, minify: false, rollupOptions: { output: { format: 'es', entryFileNames: 'writer.mjs' } } },
    });
    writer = join(out, 'writer.mjs');
  });

  it('after each of 20 kills at random moments, every listed checkpoint (the latest too) loads verified and nothing committed is lost', async () => {
    const run = newRun();
    const store = new DiskCheckpointStore(run);
    const all: ChildProcess[] = [];
    /** A child that has printed "ready" (imports done) and waits for "go". */
    const start = () => {
      const child = spawn(process.execPath, [writer, run], { stdio: ['pipe', 'pipe', 'inherit'] });
      all.push(child);
      let out = '';
      const ready = new Promise<void>((ok, no) => {
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.startsWith('ready\n')) ok();
        });
        child.once('exit', (c, sig) => no(new Error(`writer exited (${c ?? sig}) before it was ready`)));
      });
      ready.catch(() => undefined); // the children still waiting at the end are killed unready
      const saves = () => [...out.matchAll(/saved (\d+) ([\d.]+)\n/g)].map((m) => ({ step: Number(m[1]), ms: Number(m[2]) }));
      return { child, ready, saves };
    };
    const killed = (c: ChildProcess) => new Promise((ok) => (c.exitCode !== null || c.signalCode !== null ? ok(null) : c.once('exit', ok)));
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // Children start ahead of time, so the next is ready when one is killed (startup dominates a round).
    const pool = [start(), start(), start()];
    let committed = 0, interrupted = 0, withSaves = 0, saveMs = 0;
    const kills = 20;
    try {
      for (let k = 0; k < kills; k++) {
        const c = pool.shift()!;
        pool.push(start());
        await c.ready;
        c.child.stdin!.write('go\n');
        // The first child runs until it has timed 5 saves. Then odd rounds let the child commit one save
        // and kill it within ~2 more; even rounds kill it within ~2 saves of the start: kills land before,
        // inside and between saves, whatever this machine's disk costs.
        const saved = async (n: number) => {
          while (c.saves().length < n) {
            if (c.child.exitCode !== null) throw new Error('writer died on its own');
            await new Promise((ok) => setTimeout(ok, 2));
          }
        };
        if (k === 0) await saved(5);
        else {
          if (k % 2) await saved(1);
          await new Promise((ok) => setTimeout(ok, rand() * 2 * saveMs));
        }
        c.child.kill('SIGKILL');
        await killed(c.child);
        if (k === 0) saveMs = median(c.saves().slice(1).map((x) => x.ms)); // the first save also compiles
        committed = Math.max(committed, ...c.saves().map((x) => x.step));
        if (c.saves().length) withSaves++;
        // a kill inside a save leaves a directory without a manifest or a .tmp file
        if (existsSync(store.root) && readdirSync(store.root).some((d) => !existsSync(join(store.root, d, MANIFEST_FILE)) || readdirSync(join(store.root, d)).some((f) => f.endsWith('.tmp')))) interrupted++;
        const last = await store.latest();
        if (committed === 0 && !last) continue; // killed before its first save completed
        expect(last!.step).toBeGreaterThanOrEqual(committed);
        // Every listed checkpoint is complete: not only the latest (a kill between a commit and its
        // prune leaves more than 2, which the next save prunes).
        for (const c of await store.list()) expect(stateBits(await store.load(c.id))).toEqual(stateBits(makeState(big, { step: c.step, seed: c.step })));
      }
    } finally {
      for (const c of all) c.kill('SIGKILL');
      await Promise.all(all.map(killed));
    }
    // The test is only meaningful if saves completed and some kills landed inside one.
    expect(withSaves).toBeGreaterThanOrEqual(kills / 2);
    expect(interrupted).toBeGreaterThan(0);
  }, 60_000);
});
