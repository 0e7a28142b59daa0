// Asking a running run for its training state (weights, optimizer state, loss scale, history), as a
// checkpoint would hold it, without a checkpoint store: the page's downloads during a run. The driver
// answers between steps, so the state is always that of a whole step; gathering it costs one read of
// every device's weights and optimizer range (about 3P floats for AdamW), not a pause of the run.
// Legend: P = parameters.
import type { TrainingState } from '../engine/checkpoint';

interface Waiting { resolve: (s: TrainingState) => void; reject: (e: Error) => void }

/** Requests for the state, answered by the driver before its next step (or with the final state). */
export class StateRequests {
  private waiting: Waiting[] = [];
  private ended: string | null = null;

  /** The state after the step in flight. Rejects when the run ends without one (it failed, or never
   *  started) or has ended already. */
  request(): Promise<TrainingState> {
    if (this.ended !== null) return Promise.reject(new Error(this.ended));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Whether anyone waits (the driver gathers the state only then). */
  get pending(): boolean {
    return this.waiting.length > 0;
  }

  /** Answer every request waiting with `state`. */
  fulfil(state: TrainingState): void {
    for (const w of this.waiting.splice(0)) w.resolve(state);
  }

  /** The run has ended: refuse every request waiting, and every later one. */
  end(why: string): void {
    this.ended = why;
    for (const w of this.waiting.splice(0)) w.reject(new Error(why));
  }
}
