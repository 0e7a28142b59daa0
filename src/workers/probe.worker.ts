// The `auto` backend choice, measured once at page load in a worker of its own, as
// `npm run train --backend auto` measures it: a probe training step timed on each backend (opening a
// GPUDevice here also proves a worker gets one). Measuring here keeps the timing off the page's main
// thread, and the device workers then all use the one answer.
import * as Comlink from 'comlink';
import { resolveBackend } from '../engine/backend/create';
import type { BackendName } from '../engine/backend/adapter';

/** The measured `auto` choice: which backend, why (with the timings), and the timings themselves. */
export interface AutoChoice { name: BackendName; reason: string; ms: Partial<Record<BackendName, number>> }

const api = {
  async auto(): Promise<AutoChoice> {
    const r = await resolveBackend('auto', { gpu: self.navigator.gpu ?? null });
    return { name: r.name, reason: r.reason ?? '', ms: r.ms ?? {} };
  },
};

export type ProbeApi = typeof api;
Comlink.expose(api);
