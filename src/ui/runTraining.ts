// Runs training from the page: reads the data in the data worker, then subscribes to the run driver
// (src/run/driver.ts) with the browser's environment: one module Web Worker per device through the
// coordinator, the backend settled once (`auto` as measured at page load), the memory budget of this
// browser. Every event is folded into the run store; when the run ends it is kept in the run history.
// The main thread only draws. Sampling after the run happens in a worker too.
// Legend: N = devices, V = vocabulary, T = block size; ms.
import * as Comlink from 'comlink';
import type { BackendKind } from '../engine/backend/create';
import { modelConfigOf, type RunConfig } from '../engine/config';
import { BackendUnavailableError, failureOf } from '../engine/errors';
import { startRun, type RunEnv } from '../run/driver';
import { memoryBudget } from '../state/budget';
import { envStore } from '../state/envStore';
import { exportRunEnded, exportRunStarted } from '../state/exportStore';
import type { StateRequests } from '../run/state-requests';
import { savedRunOf } from '../state/runHistory';
import { applyEvent, beginRun, runStore } from '../state/runStore';
import { spawnBrowserDevice } from '../workers/browser-spawn';
import { Coordinator } from '../workers/coordinator';
import type { SampleApi } from '../workers/sample.worker';
import { loadData } from './data/loadData';
import { history } from './history';
import { probeEnvironment } from './probeEnvironment';
import { deviceMemoryGb } from './settings/RunSize';

/** Characters generated after a finished run. */
const SAMPLE_CHARS = 160;

let controller: AbortController | null = null;

/** `auto` as measured at page load; `webgpu` only where an adapter was granted. */
async function resolveBackend(kind: BackendKind) {
  if (kind === 'cpu') return { name: 'cpu' as const, reason: null };
  if (kind === 'webgpu') {
    if (!envStore.getState().adapter) throw new BackendUnavailableError(envStore.getState().missingReason || 'this browser has no WebGPU adapter');
    return { name: 'webgpu' as const, reason: null };
  }
  const c = await probeEnvironment();
  return { name: c.name, reason: `backend auto: ${c.reason}` };
}

const browserEnv = (signal: AbortSignal, devices: number, states: StateRequests): RunEnv => ({
  memoryBudget: memoryBudget(devices, deviceMemoryGb()),
  resolveBackend,
  createGroup: (cfg, data) => Coordinator.start({ cfg, data, spawn: spawnBrowserDevice }),
  signal,
  // the export panel's downloads: the state between steps on request, and the final state
  states,
  wantFinalState: true,
});

/** Ask the running training to stop after the step in flight (steps are not interrupted halfway). */
export function stopTraining(): void {
  controller?.abort();
  if (runStore.getState().status === 'running') runStore.setState({ status: 'stopping', message: 'stopping after the current step…' });
}

/** Train with `cfg` in N device workers; progress and errors go to the run store (this never throws). */
export async function startTraining(cfg: RunConfig): Promise<void> {
  controller = new AbortController();
  beginRun(cfg, `loading ${cfg.data}…`);
  try {
    await train(cfg, controller.signal);
  } catch (e) {
    // the driver reports its own failures as events; this is anything else (a bug), shown all the same
    applyEvent({ type: 'failed', failure: failureOf(e, null, runStore.getState().step + 1) }, performance.now());
  }
  const saved = savedRunOf(runStore.getState(), Date.now());
  if (saved) await history.add(saved);
}

async function train(cfg: RunConfig, signal: AbortSignal): Promise<void> {
  let data;
  try {
    data = await loadData(cfg.data);
  } catch (e) {
    applyEvent({ type: 'failed', failure: failureOf(e, null, 0) }, performance.now());
    return;
  }
  const about = `${data.name}: ${data.train.length.toLocaleString('en-US')} train tokens, vocabulary ${data.tokenizer.vocabSize}`;
  runStore.setState({ message: `${about}; starting ${cfg.devices} worker${cfg.devices > 1 ? 's' : ''}…` });
  const states = exportRunStarted(cfg, data.train, data.val);
  for await (const ev of startRun(cfg, data, browserEnv(signal, cfg.devices, states))) {
    applyEvent(ev, performance.now());
    if (ev.type === 'finished') exportRunEnded(ev.state ?? null);
    if (ev.type === 'failed') exportRunEnded(null);
    if (ev.type === 'started') {
      const b = ev.devices.map((d) => d.backend);
      const on = b.every((x) => x === b[0]) ? `${b[0]} on every device` : b.map((x, r) => `device ${r} ${x}`).join(', ');
      runStore.setState({ message: `${about}; model ${ev.memory.params.toLocaleString('en-US')} parameters, backend ${on}` });
    }
    if (ev.type === 'finished' && ev.reason === 'done') {
      runStore.setState({ sample: await sampleText(cfg, data.tokenizer.chars as string[], ev.params, data.tokenizer.vocabSize) });
    }
  }
}

/** A short continuation from the trained weights, generated in a worker of its own. */
async function sampleText(cfg: RunConfig, chars: string[], params: Float32Array, V: number): Promise<string> {
  const w = new Worker(new URL('../workers/sample.worker.ts', import.meta.url), { type: 'module', name: 'sampler' });
  try {
    const api = Comlink.wrap<SampleApi>(w);
    const req = { model: modelConfigOf(cfg, V), chars, params, count: SAMPLE_CHARS, seed: cfg.seed };
    return await api.sample(Comlink.transfer(req, [params.buffer]));
  } catch (e) {
    return `(no sample: ${e instanceof Error ? e.message : String(e)})`;
  } finally {
    w.terminate();
  }
}
