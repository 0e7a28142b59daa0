// The page's checkpoints: every run's checkpoints in the browser's store (IndexedDB, checkpointStore.ts)
// as one list in a vanilla store, listed at page load and after each save, with the actions the view
// offers: load one verified (to restore it), delete, export as one .safetensors file, import such a file
// (verified first: a corrupt or hostile file is refused with its CheckpointError code and message, and
// nothing is stored). Each run saves under its own run id; an imported file gets a run id of its own.
// A resumed run's store also lists the checkpoint it resumed from (withBase), so a restart after a
// fault goes back to it rather than to the initial weights. Pure state: no DOM, no React.
// Legend: step = optimizer steps done; bytes; savedAt in epoch ms.
import { createStore } from 'zustand/vanilla';
import {
  CheckpointError, exportCheckpoint, importCheckpoint, toParts,
  type CheckpointStore, type CheckpointSummary, type TrainingState,
} from '../engine/checkpoint';
import type { RunCheckpointSummary } from './checkpointStore';

export type { RunCheckpointSummary } from './checkpointStore';

/** What the list needs of the storage: IdbCheckpointStore in the page, a fake in tests. */
export interface CheckpointLibrary {
  listAll(): Promise<RunCheckpointSummary[]>;
  forRun(run: string): CheckpointStore;
}

export interface CheckpointsState {
  /** Newest save first. */
  items: RunCheckpointSummary[];
  /** The outcome of the last action: what was done, or why it failed (error). */
  message: { text: string; error: boolean } | null;
  /** False until the first listing (or when storage is unavailable). */
  ready: boolean;
}

/** A run id, unique in this browser: the kind and the time it began. */
export const newRunId = (kind: 'run' | 'import', now: number): string => `${kind}-${now}-${Math.random().toString(36).slice(2, 6)}`;

/** A run id in words: "run of 14:02:11" or "imported 14:05:40" (local time). */
export function runLabel(run: string): string {
  const m = /^(run|import)-(\d+)/.exec(run);
  if (!m) return run;
  const t = new Date(Number(m[2])).toLocaleTimeString('en-GB', { hour12: false });
  return m[1] === 'run' ? `run of ${t}` : `imported ${t}`;
}

/** A file name for a checkpoint: the run and step, no path characters. */
export const fileNameOf = (c: RunCheckpointSummary): string => `ringlab-${c.run}-step-${c.step}.safetensors`.replace(/[^\w.-]+/g, '-');

/** The loss at the checkpoint's step, from its history (null when the history does not have it). */
export function lossAt(s: TrainingState): number | null {
  const p = s.history.findLast((h) => (h as { step?: unknown }).step === s.step) as { loss?: unknown } | undefined;
  return typeof p?.loss === 'number' && Number.isFinite(p.loss) ? p.loss : null;
}

const why = (e: unknown): string => (e instanceof CheckpointError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e));

/** `store` plus the checkpoint a run resumed from (kept in memory, never written again). */
export function withBase(store: CheckpointStore, base: { summary: CheckpointSummary; state: TrainingState }): CheckpointStore {
  const own = (id: string) => id !== base.summary.id;
  return {
    save: (parts, opts) => store.save(parts, opts),
    list: async () => [base.summary, ...(await store.list())],
    load: (id) => (own(id) ? store.load(id) : Promise.resolve(base.state)),
    delete: (id) => (own(id) ? store.delete(id) : Promise.resolve()),
    prune: (keep) => store.prune(keep),
    latest: async () => (await store.latest()) ?? base.summary,
  };
}

/** The checkpoint list over a library opened on first use (`open` rejects where there is no storage). */
export function createCheckpoints(open: () => Promise<CheckpointLibrary>) {
  const store = createStore<CheckpointsState>()(() => ({ items: [], message: null, ready: false }));
  let lib: Promise<CheckpointLibrary> | null = null;
  const library = () => (lib ??= open());
  const say = (text: string, error = false) => store.setState({ message: { text, error } });

  /** `op` on the library; a failure shows `failed (why)` and gives null. */
  async function attempt<T>(failed: string, op: (lib: CheckpointLibrary) => Promise<T> | T): Promise<T | null> {
    try {
      return await op(await library());
    } catch (e) {
      say(`${failed} (${why(e)})`, true);
      return null;
    }
  }

  async function refresh(): Promise<void> {
    const items = await attempt('checkpoints could not be listed', (lib) => lib.listAll());
    if (items) store.setState({ items: items.reverse(), ready: true });
  }

  return {
    store,
    refresh,
    /** The store a run saves into (null, with the reason shown, where there is no storage). */
    storeFor: (run: string): Promise<CheckpointStore | null> =>
      attempt('checkpoints are off: the browser\'s storage cannot be opened', (lib) => lib.forRun(run)),
    /** The verified training state of a listed checkpoint (null, with the reason shown, when it fails). */
    load: (c: RunCheckpointSummary): Promise<TrainingState | null> =>
      attempt(`checkpoint at step ${c.step} could not be loaded`, (lib) => lib.forRun(c.run).load(c.id)),
    async remove(c: RunCheckpointSummary): Promise<void> {
      const done = await attempt(`checkpoint at step ${c.step} could not be deleted`, async (lib) => {
        await lib.forRun(c.run).delete(c.id);
        return true;
      });
      if (done) say(`deleted the checkpoint at step ${c.step} of the ${runLabel(c.run)}`);
      await refresh();
    },
    /** The checkpoint as one .safetensors file (verified on the way out), or null with the reason shown. */
    exportFile: (c: RunCheckpointSummary): Promise<{ name: string; bytes: Uint8Array } | null> =>
      attempt(`checkpoint at step ${c.step} could not be exported`, async (lib) => {
        const state = await lib.forRun(c.run).load(c.id);
        return { name: fileNameOf(c), bytes: await exportCheckpoint(state, { loss: c.loss }) };
      }),
    /** Verify a .safetensors checkpoint file and store it under a run of its own; a file that does not
     *  verify, or storage that is full, stores nothing and says why. */
    async importFile(name: string, bytes: Uint8Array, now = Date.now()): Promise<CheckpointSummary | null> {
      const state = await importCheckpoint(bytes).catch((e: unknown) => say(`${name} was not imported: ${why(e)}`, true));
      if (!state) return null;
      try {
        const s = await (await library()).forRun(newRunId('import', now)).save(await toParts(state, { loss: lossAt(state) }));
        say(`imported ${name}: step ${state.step} of ${state.config.steps}, ${state.config.data}, ${state.config.devices} device(s)`);
        return s;
      } catch (e) {
        say(`${name} was not stored: ${why(e)}`, true);
        return null;
      } finally {
        await refresh();
      }
    },
    /** Say something about checkpoints in the view (e.g. a restore that cannot start). */
    say,
  };
}

export type Checkpoints = ReturnType<typeof createCheckpoints>;
