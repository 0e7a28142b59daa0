// What this browser offers: WebGPU adapter, backend choice, and the worker spike's result.
import { create } from 'zustand';
import type { AdapterSummary, BackendChoice } from '../engine/backend/adapter';
import type { SpikeResult } from '../workers/spike.worker';

export interface EnvState {
  status: 'probing' | 'ready';
  adapter: AdapterSummary | null;
  missingReason: string;
  choice: BackendChoice | null;
  spike: SpikeResult | null;
  set: (patch: Partial<Omit<EnvState, 'set'>>) => void;
}

export const useEnv = create<EnvState>((set) => ({
  status: 'probing',
  adapter: null,
  missingReason: '',
  choice: null,
  spike: null,
  set: (patch) => set(patch),
}));
