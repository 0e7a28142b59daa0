// Fills the env store once at page load: the page's adapter, then the `auto` backend choice measured in
// a worker. A run with backend auto waits for that measurement.
import * as Comlink from 'comlink';
import { probeAdapter } from '../engine/backend/adapter';
import { envStore, type AutoChoice } from '../state/envStore';
import type { ProbeApi } from '../workers/probe.worker';

let measured: Promise<AutoChoice> | null = null;

/** Probe the adapter and measure `auto` (once; later calls get the same answer). Never throws. */
export function probeEnvironment(): Promise<AutoChoice> {
  return (measured ??= run());
}

async function run(): Promise<AutoChoice> {
  const probe = await probeAdapter(navigator.gpu);
  envStore.setState(probe.ok ? { status: 'ready', adapter: probe.summary } : { status: 'ready', adapter: null, missingReason: probe.reason });
  const worker = new Worker(new URL('../workers/probe.worker.ts', import.meta.url), { type: 'module', name: 'probe' });
  const auto = await Comlink.wrap<ProbeApi>(worker).auto()
    .catch((e: Error): AutoChoice => ({ name: 'cpu', reason: `cpu: the measurement failed (${e.message}).`, ms: {} }))
    .finally(() => worker.terminate());
  envStore.setState({ auto });
  return auto;
}
