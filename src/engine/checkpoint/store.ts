// The one interface of checkpoint stores (IndexedDB in src/state/checkpointStore.ts, files in
// src/cli/checkpoint-disk.ts). Types only, plus a helper written against the interface.
// A store keeps complete checkpoints only: a save is all or nothing, and a checkpoint that cannot be
// verified is never returned as a TrainingState (load throws CheckpointError instead).

import { CheckpointError } from './errors';
import type { TrainingState } from './manifest';
import type { CheckpointParts } from './parts';

/** One stored checkpoint, as listings show it. */
export interface CheckpointSummary {
  /** store-specific id (disk: `step-<n>`; IndexedDB: `<run>/step-<n>`) */
  id: string;
  step: number;
  /** training loss at that step, when the saver gave one */
  loss: number | null;
  /** epoch ms */
  savedAt: number;
  /** tensor bytes plus the manifest's JSON */
  bytes: number;
}

export interface CheckpointStore {
  /** Write parts (from toParts) as one checkpoint, atomically; a checkpoint of the same step is replaced.
   *  With `keep`, then deletes all but the newest `keep` (only after the new one is committed). Throws
   *  CheckpointError QUOTA (nothing written, nothing lost) or IO. */
  save(parts: CheckpointParts, opts?: { keep?: number }): Promise<CheckpointSummary>;
  /** Complete checkpoints, oldest step first. */
  list(): Promise<CheckpointSummary[]>;
  /** The verified training state of a checkpoint; throws CheckpointError (NOT_FOUND, HASH, NONFINITE, ...). */
  load(id: string): Promise<TrainingState>;
  /** Remove a checkpoint (no error when absent). */
  delete(id: string): Promise<void>;
  /** Keep the newest `keep` checkpoints (keep >= 1); returns the ids removed. */
  prune(keep: number): Promise<string[]>;
  /** The newest complete checkpoint's summary, or null when there is none. */
  latest(): Promise<CheckpointSummary | null>;
}

/** The newest checkpoint that loads and verifies, skipping (and reporting) newer ones that do not;
 *  null when none does. Errors other than CheckpointError propagate. */
export async function loadNewestValid(store: CheckpointStore): Promise<{ summary: CheckpointSummary; state: TrainingState; rejected: { summary: CheckpointSummary; error: CheckpointError }[] } | null> {
  const rejected: { summary: CheckpointSummary; error: CheckpointError }[] = [];
  for (const summary of (await store.list()).reverse()) {
    try {
      return { summary, state: await store.load(summary.id), rejected };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      rejected.push({ summary, error: e });
    }
  }
  return null;
}

/** prune() for any store: delete all but the newest `keep` (keep >= 1); returns the ids removed. */
export async function pruneStore(store: Pick<CheckpointStore, 'list' | 'delete'>, keep: number): Promise<string[]> {
  if (!(Number.isInteger(keep) && keep >= 1)) throw new RangeError(`keep must be a positive integer, got ${keep}`);
  const old = (await store.list()).slice(0, -keep).map((s) => s.id);
  for (const id of old) await store.delete(id);
  return old;
}
