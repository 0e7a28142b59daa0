// Finished runs, kept for comparison: each run's settings, a summary (final loss, tokens/s, comm share,
// wall time) and its curves, in a vanilla store backed by an archive (IndexedDB in the page,
// runArchive.ts; a Map in tests). Starting a run never touches them; the newest MAX_RUNS are kept.
// Legend: ms; tokens/s; losses in nats per character.
import { createStore } from 'zustand/vanilla';
import type { RunConfig } from '../engine/config';
import type { RunState } from './runStore';
import { outcomeOf } from './runStore';

/** Runs kept (the oldest go first). */
export const MAX_RUNS = 30;
/** Points kept per curve: longer runs keep every k-th step (and the last). */
export const MAX_POINTS = 2000;

export interface RunSummary {
  steps: number;
  finalLoss: number;
  /** The last validation loss (null when none was measured). */
  finalVal: number | null;
  /** Tokens per second over the training loop's wall time. */
  tokensPerS: number;
  /** Mean share of device time spent communicating or waiting. */
  commShare: number;
  wallMs: number;
  /** Devices that failed during the run (each recovered, or the run failed); absent in older records. */
  faults?: number;
}

export interface RunCurve { step: number[]; loss: number[]; val: (number | null)[]; tokensPerS: number[] }

export interface SavedRun {
  /** Format of the record, for migrations. */
  format: 1;
  id: string;
  savedAt: number;
  /** What the run was started as (a lesson's run names itself); absent for a plain run. */
  label?: string;
  cfg: RunConfig;
  /** done, stopped, failed, diverged or diverging (outcomeOf). */
  outcome: string;
  summary: RunSummary;
  curve: RunCurve;
}

export interface RunArchive {
  list(): Promise<SavedRun[]>;
  put(run: SavedRun): Promise<void>;
  remove(id: string): Promise<void>;
}

/** The record of a run that has ended (null when it trained no step). */
export function savedRunOf(s: RunState, savedAt: number, label?: string): SavedRun | null {
  const n = s.series.length;
  if (!s.cfg || n === 0) return null;
  const every = Math.ceil(n / MAX_POINTS);
  const col = (k: string) => s.series.col(k);
  const val = s.series.sparseCol('val');
  // a thinned curve must not lose validation points: they are few, keep each at its own step
  const rows = Array.from({ length: n }, (_, i) => i).filter((i) => i % every === 0 || i === n - 1 || val[i] !== null);
  const lastVal = val.findLast((v) => v !== null) ?? null;
  return {
    format: 1,
    id: `run-${savedAt}-${Math.random().toString(36).slice(2, 8)}`,
    savedAt,
    ...(label ? { label } : {}),
    cfg: s.cfg,
    outcome: outcomeOf(s),
    summary: {
      steps: s.step, finalLoss: s.loss, finalVal: lastVal, wallMs: s.elapsedMs,
      // the store's own rate: a resumed run counts only the tokens it trained itself
      tokensPerS: s.tokensPerS, commShare: s.commShare, faults: s.faults.length,
    },
    curve: {
      step: rows.map((i) => col('step')[i]), loss: rows.map((i) => col('loss')[i]),
      val: rows.map((i) => val[i]), tokensPerS: rows.map((i) => col('tokensPerS')[i]),
    },
  };
}

export interface HistoryState {
  runs: SavedRun[];
  /** Ids of the runs overlaid in the comparison (newest first by default). */
  selected: string[];
  /** Why the archive could not be read or written ('' when fine). */
  error: string;
}

/** A history store over `archive`; load() fills it, add() keeps a run, remove() deletes one. */
export function createHistory(archive: RunArchive | null) {
  const store = createStore<HistoryState>()(() => ({ runs: [], selected: [], error: '' }));
  const fail = (what: string) => (e: unknown) => store.setState({ error: `${what}: ${e instanceof Error ? e.message : String(e)}` });
  return {
    store,
    async load(): Promise<void> {
      if (!archive) return;
      try {
        const runs = (await archive.list()).sort((a, b) => b.savedAt - a.savedAt);
        store.setState({ runs, selected: runs.slice(0, 2).map((r) => r.id) });
      } catch (e) {
        fail('saved runs could not be read')(e);
      }
    },
    /** Keep a finished run (and select it with the one before it for the overlay). */
    async add(run: SavedRun): Promise<void> {
      const { runs, selected } = store.getState();
      const kept = [run, ...runs].slice(0, MAX_RUNS);
      const dropped = runs.filter((r) => !kept.includes(r));
      store.setState({ runs: kept, selected: [run.id, ...selected.filter((id) => kept.some((r) => r.id === id))].slice(0, 2) });
      if (!archive) return;
      await archive.put(run).catch(fail('the run could not be saved'));
      for (const r of dropped) await archive.remove(r.id).catch(fail('an old run could not be deleted'));
    },
    async remove(id: string): Promise<void> {
      const { runs, selected } = store.getState();
      store.setState({ runs: runs.filter((r) => r.id !== id), selected: selected.filter((s) => s !== id) });
      await archive?.remove(id).catch(fail('the run could not be deleted'));
    },
    /** Overlay exactly these runs (those that are kept). */
    select(ids: string[]): void {
      const { runs } = store.getState();
      store.setState({ selected: ids.filter((id) => runs.some((r) => r.id === id)) });
    },
    toggle(id: string): void {
      const { selected } = store.getState();
      store.setState({ selected: selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id] });
    },
  };
}

export type History = ReturnType<typeof createHistory>;
