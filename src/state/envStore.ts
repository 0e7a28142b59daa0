// What this browser offers: its WebGPU adapter, and the `auto` backend choice measured in a worker (a
// probe training step timed on each backend, as `npm run train --backend auto` does).
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
}

export const envStore = createStore<EnvState>()(() => ({ status: 'probing', adapter: null, missingReason: '', auto: null }));
