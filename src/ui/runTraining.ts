// Runs training from the page: reads the data in the data worker, then subscribes to the run driver
// (src/run/driver.ts) with the browser's environment: one module Web Worker per device through the
// coordinator, the backend settled once (`auto` as measured at page load), the memory budget of this
// browser. Every event is folded into the run store; when the run ends it is kept in the run history.
// The main thread only draws. Sampling after the run happens in a worker too.
// Legend: N = devices, V = vocabulary, T = block size; ms.
import * as Comlink from 'comlink';
import type { BackendKind } from '../engine/backend/create';
import type { CheckpointStore } from '../engine/checkpoint';
import { modelConfigOf, type RunConfig } from '../engine/config';
import { BackendUnavailableError, failureOf } from '../engine/errors';
import { startRun, type RunEnv } from '../run/driver';
import type { RunEvent } from '../run/events';
import { memoryBudget } from '../state/budget';
import { envStore } from '../state/envStore';
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

const browserEnv = (signal: AbortSignal, devices: number, checkpoints?: CheckpointStore): RunEnv => ({
  memoryBudget: memoryBudget(devices, deviceMemoryGb()),
  resolveBackend,
  createGroup: (cfg, data, layout) => Coordinator.start({ cfg, data, spawn: spawnBrowserDevice, layout }),
  signal,
  checkpoints,
});

/** What a caller adds to a run: a name for the run comparison, a listener that sees every event (before
 *  the run store does anything with it), and a checkpoint store (checkpoints and restart recovery). */
export interface TrainingOptions {
  label?: string;
  observe?: (ev: RunEvent) => void;
  checkpoints?: CheckpointStore;
}

/** Ask the running training to stop after the step in flight (steps are not interrupted halfway). */
export function stopTraining(): void {
  controller?.abort();
  if (runStore.getState().status === 'running') runStore.setState({ status: 'stopping', message: 'stopping after the current step…' });
}

/** Train with `cfg` in N device workers; progress and errors go to the run store (this never throws).
 *  Resolves with the id the run is kept under in the run history (null when it trained no step). */
export async function startTraining(cfg: RunConfig, opts: TrainingOptions = {}): Promise<string | null> {
  controller = new AbortController();
  beginRun(cfg, `loading ${cfg.data}…`);
  const fail = (e: unknown) => {
    const ev: RunEvent = { type: 'failed', failure: failureOf(e, null, runStore.getState().step + 1) };
    opts.observe?.(ev);
    applyEvent(ev, performance.now());
  };
  try {
    await train(cfg, controller.signal, opts, fail);
  } catch (e) {
    // the driver reports its own failures as events; this is anything else (a bug), shown all the same
    fail(e);
  }
  const saved = savedRunOf(runStore.getState(), Date.now(), opts.label);
  if (saved) await history.add(saved);
  return saved?.id ?? null;
}

async function train(cfg: RunConfig, signal: AbortSignal, opts: TrainingOptions, fail: (e: unknown) => void): Promise<void> {
  let data;
  try {
    data = await loadData(cfg.data);
  } catch (e) {
    fail(e);
    return;
  }
  const about = `${data.name}: ${data.train.length.toLocaleString('en-US')} train tokens, vocabulary ${data.tokenizer.vocabSize}`;
  runStore.setState({ message: `${about}; starting ${cfg.devices} worker${cfg.devices > 1 ? 's' : ''}…` });
  for await (const ev of startRun(cfg, data, browserEnv(signal, cfg.devices, opts.checkpoints))) {
    opts.observe?.(ev); // first: the sampler below takes the final weights' buffer
    applyEvent(ev, performance.now());
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
