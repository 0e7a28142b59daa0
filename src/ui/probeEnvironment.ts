// Fills the env store: probe the page's adapter, choose a backend, run the worker spike.
import * as Comlink from 'comlink';
import { chooseBackend, probeAdapter } from '../engine/backend/adapter';
import { useEnv } from '../state/envStore';
import type { SpikeApi } from '../workers/spike.worker';

export async function probeEnvironment(): Promise<void> {
  const { set } = useEnv.getState();
  const probe = await probeAdapter(navigator.gpu);
  if (!probe.ok) {
    set({ status: 'ready', adapter: null, missingReason: probe.reason, choice: chooseBackend(null, probe.reason) });
    return;
  }
  set({ status: 'ready', adapter: probe.summary, choice: chooseBackend(probe.summary) });
  const worker = new Worker(new URL('../workers/spike.worker.ts', import.meta.url), { type: 'module' });
  try {
    const spike = Comlink.wrap<SpikeApi>(worker);
    set({ spike: await spike.run(1000) });
  } catch (err) {
    set({ spike: { ok: false, message: `Worker failed: ${(err as Error).message}` } });
  } finally {
    worker.terminate();
  }
}
