// What the page can export from the current run: its token streams (from the start), a way to ask the
// running driver for its state between steps, and the final state once it has finished. Vanilla
// zustand; runTraining.ts writes it, the export panel reads it. The state of a stopped or finished run
// stays until the next run starts; a failed run leaves none (its weights may be anything).
// Legend: P = parameters; tokens are uint16 ids.
import { createStore } from 'zustand/vanilla';
import type { TrainingState } from '../engine/checkpoint';
import type { RunConfig } from '../engine/config';
import { StateRequests } from '../run/state-requests';

export interface ExportState {
  /** The run's settings and token streams (as split for training); null before any run. */
  run: { cfg: RunConfig; train: Uint16Array; val: Uint16Array } | null;
  /** Answered by the running driver between steps; null when no run is going. */
  requests: StateRequests | null;
  /** The finished (or stopped) run's state. */
  final: TrainingState | null;
}

export const exportStore = createStore<ExportState>()(() => ({ run: null, requests: null, final: null }));

/** A run starts on these settings and tokens: the last run's state is dropped. Returns its requests. */
export function exportRunStarted(cfg: RunConfig, train: Uint16Array, val: Uint16Array): StateRequests {
  const requests = new StateRequests();
  exportStore.setState({ run: { cfg, train, val }, requests, final: null });
  return requests;
}

/** The run ended: with its final state (finished or stopped), or without (failed). */
export function exportRunEnded(final: TrainingState | null): void {
  exportStore.setState({ requests: null, final });
}

/** The state to export now: the final one, else the running run's after its step in flight; null when
 *  there is no run to export. */
export async function exportableState(): Promise<TrainingState | null> {
  const { final, requests } = exportStore.getState();
  return final ?? (requests ? requests.request() : null);
}
