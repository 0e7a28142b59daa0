// What this browser offers: its WebGPU adapter, and the `auto` backend choice measured in a worker (a
// probe training step timed on each backend, as `npm run train --backend auto` does), and the
// vocabulary size of each data set once it has been read.
import { createStore } from 'zustand/vanilla';
import type { AdapterSummary } from '../engine/backend/adapter';
import type { AutoChoice } from '../workers/probe.worker';

export type { AutoChoice };

export interface EnvState {
  status: 'probing' | 'ready';
  adapter: AdapterSummary | null;
  missingReason: string;
  /** null until measured. */
  auto: AutoChoice | null;
  /** Vocabulary size of each data set loaded so far (for the memory estimate before a run). */
  vocab: Record<string, number>;
}

export const envStore = createStore<EnvState>()(() => ({ status: 'probing', adapter: null, missingReason: '', auto: null, vocab: {} }));
