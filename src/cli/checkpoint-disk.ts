// Checkpoints as files (Node): RUN_DIR/checkpoints/step-<n>/ holds
//   checkpoint.safetensors   the whole checkpoint as one file (src/engine/checkpoint/file.ts): evaluable,
//                            exportable and resumable on its own
//   manifest.json            the commit marker, written LAST: {format, version, step, tokens, loss,
//                            savedAt, bytes, file, fileBytes}; a directory without it is not a checkpoint
// A save writes each file under a .tmp name, fsyncs it, renames it into place and fsyncs the directory
// (the rename is then durable), data first, manifest last, as PyTorch DCP writes .metadata last. A crash
// at any moment leaves either the previous set of checkpoints or that set plus the new one; leftovers
// (directories without a manifest, .tmp files) are ignored by list() and removed by the next save.
// Cost per save: two fsyncs of files and three of directories, on top of writing the bytes.

import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  checkpointFileChunks, CheckpointError, importCheckpoint, partsBytes, pruneStore,
  type CheckpointParts, type CheckpointStore, type CheckpointSummary, type TrainingState,
} from '../engine/checkpoint';

/** RUN_DIR/<this> holds the step-<n>/ checkpoint directories. */
export const CHECKPOINTS_DIR = 'checkpoints';
/** The commit marker of a checkpoint directory, written last. */
export const MANIFEST_FILE = 'manifest.json';
/** The checkpoint itself, one safetensors file. */
export const DATA_FILE = 'checkpoint.safetensors';
const DIR_FORMAT = 'ringlab-checkpoint-dir';
const DIR_VERSION = 1;
const ID = /^step-(\d+)$/;

interface DirManifest { format: string; version: number; step: number; tokens: number; loss: number | null; savedAt: number; bytes: number; file: string; fileBytes: number }

/** fsync a directory so renames and new entries in it survive a power cut. Some platforms (Windows)
 *  cannot open a directory; there the rename is as durable as the OS makes it. */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch (e) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')) return;
    throw e;
  }
  try {
    await fh.sync();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e; // file systems without directory fsync
  } finally {
    await fh.close();
  }
}

/** Write chunks one after another to `file` atomically: a .tmp sibling, fsync, rename, fsync of the
 *  directory. Chunks are written in place (no concatenated copy of a large checkpoint). */
async function writeAtomic(file: string, chunks: Uint8Array[]): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    let pos = 0;
    for (const c of chunks) {
      for (let off = 0; off < c.length;) {
        const { bytesWritten } = await fh.write(c, off, c.length - off, pos); // may be partial
        off += bytesWritten;
        pos += bytesWritten;
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await syncDir(dirname(file));
}

/** A file-system error as a CheckpointError: a full disk or quota is QUOTA, the rest IO. */
function ioError(e: unknown, what: string): CheckpointError {
  if (e instanceof CheckpointError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOSPC' || code === 'EDQUOT') return new CheckpointError('QUOTA', `${what}: the disk is full (${code}); existing checkpoints are intact`, { cause: e });
  return new CheckpointError('IO', `${what}: ${(e as Error).message}`, { cause: e });
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/** A file's bytes; a file-system error as ioError. */
async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    throw ioError(e, `reading ${file}`);
  }
}

/** The summary and data file length a checkpoint directory's manifest gives, or null when it has no
 *  valid manifest (not a complete checkpoint). */
async function readDirManifest(dir: string, id: string): Promise<{ summary: CheckpointSummary; fileBytes: number } | null> {
  let m: Partial<DirManifest>;
  try {
    m = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
  } catch {
    return null;
  }
  const step = Number(ID.exec(id)?.[1]);
  const ok = m !== null && typeof m === 'object' && m.format === DIR_FORMAT && m.version === DIR_VERSION && m.step === step
    && typeof m.savedAt === 'number' && typeof m.bytes === 'number' && (m.loss === null || typeof m.loss === 'number') && m.file === DATA_FILE && Number.isSafeInteger(m.fileBytes);
  return ok ? { summary: { id, step, loss: m.loss!, savedAt: m.savedAt!, bytes: m.bytes! }, fileBytes: m.fileBytes! } : null;
}

/** Checkpoints of one run directory, on disk. */
export class DiskCheckpointStore implements CheckpointStore {
  /** RUN_DIR/checkpoints */
  readonly root: string;

  constructor(readonly runDir: string) {
    this.root = join(runDir, CHECKPOINTS_DIR);
  }

  private dir(id: string): string {
    if (!ID.test(id)) throw new CheckpointError('NOT_FOUND', `no checkpoint ${JSON.stringify(id)} (ids are step-<n>)`);
    return join(this.root, id);
  }

  async save(parts: CheckpointParts, opts: { keep?: number } = {}): Promise<CheckpointSummary> {
    const m = parts.manifest;
    const id = `step-${m.step}`;
    const dir = join(this.root, id);
    const chunks = await checkpointFileChunks(parts); // before touching the disk: encoding errors leave it as it was
    const fileBytes = chunks.reduce((a, c) => a + c.length, 0);
    const summary: CheckpointSummary = { id, step: m.step, loss: m.loss, savedAt: m.savedAt, bytes: partsBytes(parts) };
    try {
      if (!(await exists(this.root))) {
        await mkdir(this.root, { recursive: true });
        await syncDir(this.runDir);
      }
      await this.clean();
      // Re-saving a step (after a recovery redid it): un-commit the old one first, so no moment shows
      // the old manifest beside new data.
      if (await exists(join(dir, MANIFEST_FILE))) {
        await unlink(join(dir, MANIFEST_FILE));
        await syncDir(dir);
      }
      await mkdir(dir, { recursive: true });
      await syncDir(this.root);
      await writeAtomic(join(dir, DATA_FILE), chunks);
      const dm: DirManifest = { format: DIR_FORMAT, version: DIR_VERSION, step: m.step, tokens: m.tokens, loss: m.loss, savedAt: m.savedAt, bytes: summary.bytes, file: DATA_FILE, fileBytes };
      await writeAtomic(join(dir, MANIFEST_FILE), [new TextEncoder().encode(JSON.stringify(dm, null, 1) + '\n')]); // the commit
    } catch (e) {
      throw ioError(e, `saving checkpoint ${id} in ${this.root}`);
    }
    if (opts.keep !== undefined) await this.prune(opts.keep); // only once the new one is committed
    return summary;
  }

  async list(): Promise<CheckpointSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(e, `listing ${this.root}`);
    }
    const out: CheckpointSummary[] = [];
    for (const id of names.filter((n) => ID.test(n))) {
      const m = await readDirManifest(join(this.root, id), id);
      if (m) out.push(m.summary);
    }
    return out.sort((a, b) => a.step - b.step);
  }

  async load(id: string): Promise<TrainingState> {
    const dir = this.dir(id);
    const m = await readDirManifest(dir, id);
    if (!m) throw new CheckpointError('NOT_FOUND', `${dir} is not a complete checkpoint (no valid ${MANIFEST_FILE})`);
    const file = join(dir, DATA_FILE);
    const bytes = await readBytes(file);
    if (bytes.length !== m.fileBytes) throw new CheckpointError('TRUNCATED', `${file} has ${bytes.length} bytes, its manifest says ${m.fileBytes}`);
    const state = await importCheckpoint(bytes);
    if (state.step !== m.summary.step || state.savedAt !== m.summary.savedAt) throw new CheckpointError('STATE', `${file} holds step ${state.step}, its manifest says step ${m.summary.step}`);
    return state;
  }

  async delete(id: string): Promise<void> {
    const dir = this.dir(id);
    try {
      // un-commit first: a crash inside rm leaves a directory without a manifest, which is ignored
      await unlink(join(dir, MANIFEST_FILE)).catch((e) => {
        if (e.code !== 'ENOENT') throw e;
      });
      await syncDir(dir).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    } catch (e) {
      throw ioError(e, `deleting checkpoint ${id}`);
    }
  }

  prune(keep: number): Promise<string[]> {
    return pruneStore(this, keep);
  }

  async latest(): Promise<CheckpointSummary | null> {
    return (await this.list()).at(-1) ?? null;
  }

  /** Remove what interrupted saves left: step directories without a manifest, and .tmp files. */
  async clean(): Promise<string[]> {
    const removed: string[] = [];
    const names = await readdir(this.root).catch(() => [] as string[]);
    for (const id of names.filter((n) => ID.test(n))) {
      const dir = join(this.root, id);
      if (!(await exists(join(dir, MANIFEST_FILE)))) {
        await rm(dir, { recursive: true, force: true });
        removed.push(dir);
        continue;
      }
      for (const f of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.tmp'))) {
        await rm(join(dir, f), { force: true });
        removed.push(join(dir, f));
      }
    }
    return removed;
  }
}

/** The latest complete checkpoint of a run directory, or null. */
export const latest = (runDir: string): Promise<CheckpointSummary | null> => new DiskCheckpointStore(runDir).latest();

/** Where a resume reads from: an exported file, or a checkpoint of a run directory's store. */
export type ResumeTarget =
  | { kind: 'file'; file: string }
  | { kind: 'checkpoint'; file: string; store: DiskCheckpointStore; id: string };

/** Resolve `--resume PATH`: a checkpoint file (.safetensors), a checkpoint directory (step-<n>/ with its
 *  manifest), a run directory (its latest complete checkpoint) or its checkpoints/ directory. Throws
 *  CheckpointError NOT_FOUND naming what was looked for. Loads nothing: loadResume does. */
export async function resolveResume(path: string): Promise<ResumeTarget> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new CheckpointError('NOT_FOUND', `${path}: no such file or directory`);
  if (st.isFile()) {
    if (basename(path) === MANIFEST_FILE) return resolveResume(dirname(path));
    return { kind: 'file', file: path };
  }
  if (!st.isDirectory()) throw new CheckpointError('NOT_FOUND', `${path} is neither a file nor a directory`);
  const id = basename(path);
  if (ID.test(id) && basename(dirname(path)) === CHECKPOINTS_DIR) {
    const store = new DiskCheckpointStore(dirname(dirname(path)));
    if (!(await store.list()).some((s) => s.id === id)) {
      throw new CheckpointError('NOT_FOUND', `${path} is not a complete checkpoint: it has no valid ${MANIFEST_FILE} (a save was interrupted)`);
    }
    return { kind: 'checkpoint', file: join(path, DATA_FILE), store, id };
  }
  if (await exists(join(path, MANIFEST_FILE))) return { kind: 'file', file: join(path, DATA_FILE) }; // a copied checkpoint directory
  if (await exists(join(path, DATA_FILE))) throw new CheckpointError('NOT_FOUND', `${path} is not a complete checkpoint: it has no ${MANIFEST_FILE} (a save was interrupted)`);
  const runDir = basename(path) === CHECKPOINTS_DIR && !(await exists(join(path, CHECKPOINTS_DIR))) ? dirname(path) : path;
  if (!(await exists(join(runDir, CHECKPOINTS_DIR)))) {
    throw new CheckpointError('NOT_FOUND', `${path} is neither a checkpoint file, a checkpoint directory (${CHECKPOINTS_DIR}/step-<n>/) nor a run directory (with ${CHECKPOINTS_DIR}/)`);
  }
  const store = new DiskCheckpointStore(runDir);
  const last = await store.latest();
  if (!last) throw new CheckpointError('NOT_FOUND', `${join(runDir, CHECKPOINTS_DIR)} holds no complete checkpoint`);
  return { kind: 'checkpoint', file: join(store.root, last.id, DATA_FILE), store, id: last.id };
}

/** Read a checkpoint file and verify it into a training state (CheckpointError on anything wrong). */
export async function loadCheckpointFile(file: string): Promise<TrainingState> {
  return importCheckpoint(await readBytes(file));
}

/** The verified state a resume target points at. */
export const loadResume = (t: ResumeTarget): Promise<TrainingState> => (t.kind === 'file' ? loadCheckpointFile(t.file) : t.store.load(t.id));
