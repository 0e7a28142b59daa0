// Runs training from the page: reads the data in the data worker, then subscribes to the run driver
// (src/run/driver.ts) with the browser's environment: one module Web Worker per device through the
// coordinator (the first group gets its own copies of the data from the data worker, by transfer), the
// backend settled once (`auto` as measured at page load), the memory budget of this browser, the
// checkpoints of this run in IndexedDB (under a run id of its own; a restored run also lists the
// checkpoint it resumed from, for recovery) and the kill orders of the topology's buttons (FaultInbox).
// Every event is folded into the run store; when the run ends it is kept in the run history. The main
// thread only draws. Sampling after the run happens in a worker too.
// Legend: N = devices, V = vocabulary, T = block size; ms.
import * as Comlink from 'comlink';
import type { BackendKind } from '../engine/backend/create';
import type { CheckpointStore, TrainingState } from '../engine/checkpoint';
import { modelConfigOf, type RunConfig } from '../engine/config';
import type { DeviceData } from '../engine/dist/device';
import { BackendUnavailableError, failureOf } from '../engine/errors';
import { startRun, type RunEnv } from '../run/driver';
import { FaultInbox, type KillOrder } from '../run/faults';
import type { RunEvent } from '../run/events';
import { memoryBudget } from '../state/budget';
import { newRunId, withBase, type RunCheckpointSummary } from '../state/checkpointList';
import { envStore } from '../state/envStore';
import { exportRunEnded, exportRunStarted } from '../state/exportStore';
import { formStore } from '../state/formStore';
import { savedRunOf } from '../state/runHistory';
import { applyEvent, beginRun, isActive, runStore, type RunState } from '../state/runStore';
import { spawnBrowserDevice } from '../workers/browser-spawn';
import { Coordinator } from '../workers/coordinator';
import type { SampleApi } from '../workers/sample.worker';
import { loadData } from './data/loadData';
import { checkpoints, history } from './stores';
import { probeEnvironment } from './probeEnvironment';
import { deviceMemoryGb } from './settings/RunSize';

/** Characters generated after a finished run. */
const SAMPLE_CHARS = 160;

let controller: AbortController | null = null;
/** The running run's kill orders (null between runs). */
let faults: FaultInbox | null = null;

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

/** Kill device `id` before the next step (or inside its allreduce); recovery follows the run's policy. */
export function killDevice(id: number, phase: KillOrder['phase'] = 'step'): void {
  const s = runStore.getState();
  if (!faults || s.status !== 'running' || !s.ids.includes(id) || s.pendingKills.includes(id)) return;
  faults.kill(id, phase);
  runStore.setState({ pendingKills: [...s.pendingKills, id], message: `device ${id} will be killed ${phase === 'step' ? 'before the next step' : 'inside the next step\'s allreduce'} (asked after step ${s.step})` });
}

/** What a caller adds to a run: a name for the run comparison, a listener that sees every event (before
 *  the run store does anything with it), and a checkpoint store (checkpoints and restart recovery). */
export interface TrainingOptions {
  label?: string;
  observe?: (ev: RunEvent) => void;
  checkpoints?: CheckpointStore;
  /** A listed checkpoint to continue from. */
  resume?: { summary: RunCheckpointSummary; state: TrainingState };
}

/** Ask the running training to stop after the step in flight (steps are not interrupted halfway). */
export function stopTraining(): void {
  controller?.abort();
  if (runStore.getState().status === 'running') runStore.setState({ status: 'stopping', message: 'stopping after the current step…' });
}

/** Train with `cfg` in N device workers, resuming `opts.resume` when given; progress and errors go to the
 *  run store (this never throws). Resolves with the id the run is kept under in the run history (null
 *  when it trained no step). */
export async function startTraining(cfg: RunConfig, opts: TrainingOptions = {}): Promise<string | null> {
  controller = new AbortController();
  // this run's own: a finished run's wrap-up (closing its workers, the sample) may overlap the next run
  const inbox = (faults = new FaultInbox());
  const { resume } = opts;
  beginRun(cfg, resume ? `resuming the checkpoint at step ${resume.summary.step}: loading ${cfg.data}…` : `loading ${cfg.data}…`);
  let ended = null as RunState | null; // set in `fold`
  const fold = (ev: RunEvent) => {
    opts.observe?.(ev);
    applyEvent(ev, performance.now());
    // the store as this run left it: once it says done, Start is enabled and a new run may replace it
    if (ev.type === 'finished' || ev.type === 'failed') ended = runStore.getState();
  };
  try {
    await train(cfg, controller.signal, inbox, opts, fold);
  } catch (e) {
    // the driver reports its own failures as events; this is data that could not be read, or anything else
    // (a bug), shown all the same
    if (!ended) fold({ type: 'failed', failure: failureOf(e, null, runStore.getState().step + 1) });
  }
  if (faults === inbox) faults = null;
  const saved = ended && savedRunOf(ended, Date.now(), opts.label);
  if (saved) await history.add(saved);
  return saved?.id ?? null;
}

/** Set while a checkpoint is being loaded to restore (a second click would start a second run). */
let restoring = false;

/** Start a run that continues a listed checkpoint with its own settings (the backend as the form says:
 *  the checkpoint may come from another machine; a kill order the command line was given is not
 *  repeated: devices are killed here with the buttons). A checkpoint that does not verify starts nothing. */
export async function restoreCheckpoint(c: RunCheckpointSummary): Promise<void> {
  if (restoring || isActive(runStore.getState().status)) return;
  restoring = true;
  const state = await checkpoints.load(c); // never throws: a failure is shown, and null
  restoring = false;
  if (!state || isActive(runStore.getState().status)) return;
  if (state.step >= state.config.steps) {
    checkpoints.say(`the checkpoint at step ${c.step} is the end of its run (${state.config.steps} steps): nothing left to train`, true);
    return;
  }
  checkpoints.say(`restoring the checkpoint at step ${c.step} with its own settings (${state.config.steps} steps, ${state.config.devices} device(s), ${state.config.data})`);
  await startTraining({ ...state.config, backend: formStore.getState().cfg?.backend ?? 'auto', killDevice: null }, { resume: { summary: c, state } });
}

async function train(cfg: RunConfig, signal: AbortSignal, inbox: FaultInbox, opts: TrainingOptions, fold: (ev: RunEvent) => void): Promise<void> {
  const resume = opts.resume ?? null;
  const { data, copies: firstCopies } = await loadData(cfg.data, cfg.devices);
  let copies: DeviceData[] | null = firstCopies;
  // a lesson brings a store of its own (emptied after its runs); a run of the page's keeps its checkpoints
  const own = opts.checkpoints ?? (await checkpoints.storeFor(newRunId('run', Date.now())));
  const store = own && resume ? withBase(own, resume) : own;
  const about = `${data.name}: ${data.train.length.toLocaleString('en-US')} train tokens, vocabulary ${data.tokenizer.vocabSize}`;
  runStore.setState({ message: `${about}; starting ${cfg.devices} worker${cfg.devices > 1 ? 's' : ''}…` });
  const env: RunEnv = {
    memoryBudget: memoryBudget(cfg.devices, deviceMemoryGb()),
    resolveBackend,
    createGroup: (groupCfg, groupData, layout) => {
      // the copies are transferred away with the first group; a restart's new group clones the data
      const given = copies && !layout && copies.length === groupCfg.devices ? copies : null;
      copies = null;
      return Coordinator.start({ cfg: groupCfg, data: groupData, layout, dataFor: given ? (r) => given[r] : undefined, spawn: spawnBrowserDevice });
    },
    signal,
    checkpoints: store ?? undefined,
    resume: resume?.state,
    faults: inbox,
    // the export panel's downloads: the state between steps on request, and the final state
    states: exportRunStarted(cfg, data.train, data.val),
    wantFinalState: true,
  };
  for await (const ev of startRun(cfg, data, env)) {
    fold(ev); // first: the sampler below takes the final weights' buffer
    if (ev.type === 'finished') exportRunEnded(ev.state ?? null);
    if (ev.type === 'failed') exportRunEnded(null);
    if (ev.type === 'checkpoint') {
      // a save refused (full storage) is said where the checkpoints are too; the run goes on
      if (ev.error) checkpoints.say(ev.error, true);
      void checkpoints.refresh();
    }
    if (ev.type === 'started') {
      const b = ev.devices.map((d) => d.backend);
      const on = b.every((x) => x === b[0]) ? `${b[0]} on every device` : b.map((x, r) => `device ${r} ${x}`).join(', ');
      runStore.setState({ message: `${about}; model ${ev.memory.params.toLocaleString('en-US')} parameters, backend ${on}` });
    }
    if (ev.type === 'finished' && ev.reason === 'done') {
      // not awaited: the run is over, and a next run may start before the sample is ready (it is not its)
      const run = runStore.getState().runNumber;
      void sampleText(cfg, data.tokenizer.chars as string[], ev.params, data.tokenizer.vocabSize).then((sample) => {
        if (runStore.getState().runNumber === run) runStore.setState({ sample });
      });
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
