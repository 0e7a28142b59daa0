// The run driver: the one training loop behind `npm run train` and the page. It checks the settings
// against the data and the memory budget, settles the backend once, builds the device group (restoring
// a checkpoint when resuming), then steps until done or stopped, evaluating and checkpointing on their
// cadences, injecting the faults asked for and recovering from device failures by the settings' policy,
// and reports everything as typed events (events.ts). Stop through the AbortSignal: the step in flight
// finishes first. A failure that is not recovered ends the run with one `failed` event carrying the root
// cause's record; nothing is thrown at the caller.
// Legend: G = devices*microBatch*accum sequences per step, T = blockSize, N = devices; ms.
import type { BackendName } from '../engine/backend/adapter';
import type { BackendKind } from '../engine/backend/create';
import { hashTokens, type CheckpointStore, type TrainingState } from '../engine/checkpoint';
import { globalBatch, type RunConfig } from '../engine/config';
import { fixedWindows, windowCount, type Dataset } from '../engine/data/dataset';
import { GlobalSampler } from '../engine/data/sampler';
import type { DeviceData } from '../engine/dist/device';
import { failureOf, RunError, type FailureCode, type RunFailure } from '../engine/errors';
import { checkMemory } from '../engine/memory';
import { checkResume, gatherState, restore, saveCheckpoint } from './checkpointing';
import type { DetectedBy, RunEvent } from './events';
import { FaultInbox, type KillOrder } from './faults';
import type { DeviceGroup, GroupLayout } from './group';
import { historyPoint, readHistory, type HistoryPoint } from './history';
import { mergeReports } from './metrics';
import { initialLayout, policies } from './recovery';
import type { StateRequests } from './state-requests';

export interface RunEnv {
  /** Builds the devices (worker Coordinator or LocalGroup) for settings whose backend is resolved; a
   *  layout is given after elastic recovery (fewer devices, the same global batch). */
  createGroup(cfg: RunConfig, data: DeviceData, layout?: GroupLayout): Promise<DeviceGroup>;
  /** Decides `auto` once for all devices, and checks a named backend is available. */
  resolveBackend(kind: BackendKind): Promise<{ name: BackendName; reason: string | null }>;
  /** Bytes each device may use; a config estimated above it is refused before anything starts. */
  memoryBudget: number;
  signal?: AbortSignal;
  /** Put the weights before training on the `started` event. */
  wantInitParams?: boolean;
  /** Where checkpoints go (every cfg.checkpointEvery steps, the newest cfg.keep kept) and where recovery
   *  restarts from. Without one, recovery restarts from the initial weights. */
  checkpoints?: CheckpointStore;
  /** Resume this checkpoint (checked against the settings and the data first). */
  resume?: TrainingState;
  /** Kill orders from the page (cfg.killDevice is added to it). */
  faults?: FaultInbox;
  /** Requests for the training state during the run, answered between steps (the page's downloads). */
  states?: StateRequests;
  /** Put the final training state on the `finished` event (an export after the run). */
  wantFinalState?: boolean;
}

/** Whether the validation loss is measured after `step` steps: every evalEvery steps (0 = never) and at the end. */
export const evalDue = (cfg: Pick<RunConfig, 'evalEvery' | 'steps'>, step: number): boolean =>
  (cfg.evalEvery > 0 && step % cfg.evalEvery === 0) || step === cfg.steps;

/** Failures a recovery policy can act on: a device that died, hung, threw or gave up on a peer. */
const RECOVERABLE: ReadonlySet<FailureCode> = new Set(['EXITED', 'SILENT', 'THREW', 'ABORTED']);
const DETECTED_BY: Partial<Record<FailureCode, DetectedBy>> = { EXITED: 'exit event', SILENT: 'timeout', ABORTED: 'peer abort' };

/** Train `cfg` on `data`; iterate the events. Breaking out of the loop closes the devices. */
export async function* startRun(cfg: RunConfig, data: Dataset, env: RunEnv): AsyncGenerator<RunEvent, void, undefined> {
  let loop: Loop | null = null;
  try {
    const V = data.tokenizer.vocabSize, G = globalBatch(cfg), T = cfg.blockSize;
    // Refuse before any device starts: the data must hold a global batch and the validation windows,
    // the model must fit, and a checkpoint to resume must belong to these settings and this data.
    const memory = checkMemory(cfg, V, env.memoryBudget);
    const sampler = new GlobalSampler(windowCount(data.train.length, T), G, cfg.seed);
    fixedWindows(data.val.length, T, cfg.evalWindows);
    const needHash = env.checkpoints || env.resume || env.states || env.wantFinalState;
    const ident = { vocab: data.tokenizer.toJSON(), dataHash: needHash ? await hashTokens(data.train) : '' };
    if (env.resume) checkResume(env.resume, cfg, ident.vocab, ident.dataHash);
    const backend = await env.resolveBackend(cfg.backend);
    const run = { ...cfg, backend: backend.name };
    const dd: DeviceData = { train: data.train, val: data.val, vocabSize: V };
    const l: Loop = (loop = { group: await env.createGroup(run, dd), layout: initialLayout(run), step: 0, tokens: 0, history: [], restarts: 0 });
    if (env.resume) {
      await restore(l.group, env.resume);
      [l.step, l.tokens, l.history] = [env.resume.step, env.resume.tokens, readHistory(env.resume.history)];
    }
    yield {
      type: 'started', cfg: run, devices: l.group.info, backend: backend.name, backendReason: backend.reason, memory,
      data: { name: data.name, trainTokens: data.train.length, valTokens: data.val.length, vocabSize: V },
      initParams: env.wantInitParams ? await l.group.params() : undefined,
      // a copy: the loop goes on appending to `history`, and a subscriber may keep the event
      resumed: env.resume ? { step: l.step, history: l.history.slice() } : undefined,
    };
    yield { type: 'eval', step: l.step, ...(await evaluate(l.group, cfg)) };

    const faults = env.faults ?? new FaultInbox();
    if (cfg.killDevice) faults.kill(cfg.killDevice.rank, cfg.killDevice.phase ?? 'step', cfg.killDevice.step);
    const t0 = performance.now();
    while (l.step < cfg.steps && !env.signal?.aborted) {
      if (env.states?.pending) env.states.fulfil(await gatherState(l.group, cfg, ident, l));
      const ts = performance.now();
      await inject(faults.take(l.step + 1), l);
      let reports;
      try {
        reports = await l.group.step();
      } catch (e) {
        yield* recover(e, l, { cfg, run, data: dd, env, startedAt: ts });
        continue;
      }
      const msStep = performance.now() - ts;
      l.step++;
      l.tokens += G * T;
      const metrics = mergeReports(reports, { cfg: run, msStep, tokens: l.tokens, epoch: sampler.epochOf(l.step - 1), backend: backend.name });
      const val = evalDue(cfg, l.step) ? await evaluate(l.group, cfg) : null;
      const m = { ...metrics, ...val };
      l.history.push(historyPoint(m));
      yield { type: 'step', metrics: m };
      if (val) yield { type: 'eval', step: l.step, ...val };
      if (cfg.checkpointEvery > 0 && l.step % cfg.checkpointEvery === 0 && env.checkpoints) {
        yield await saveCheckpoint(env.checkpoints, l.group, cfg, ident, { step: l.step, tokens: l.tokens, history: l.history, loss: Number.isFinite(m.loss) ? m.loss : null });
      }
    }
    const ms = performance.now() - t0;
    // a stopped run keeps its progress: checkpoint where it stopped (unless that step just was)
    if (l.step < cfg.steps && l.step > 0 && env.checkpoints && !(cfg.checkpointEvery > 0 && l.step % cfg.checkpointEvery === 0)) {
      yield await saveCheckpoint(env.checkpoints, l.group, cfg, ident, { step: l.step, tokens: l.tokens, history: l.history, loss: l.history.at(-1)?.loss ?? null });
    }
    const state = env.wantFinalState || env.states?.pending ? await gatherState(l.group, cfg, ident, l) : undefined;
    if (state) env.states?.fulfil(state);
    // the weights once: a gathered state has them (copied, as the event's params are the subscriber's own)
    const params = state ? state.params.slice() : await l.group.params();
    yield { type: 'finished', reason: l.step < cfg.steps ? 'stopped' : 'done', step: l.step, tokens: l.tokens, ms, params, state: env.wantFinalState ? state : undefined };
  } catch (e) {
    yield { type: 'failed', failure: failureOf(e, null, (loop?.step ?? 0) + 1) satisfies RunFailure };
  } finally {
    env.states?.end('the run has ended; its final state is what it left');
    await loop?.group.close();
  }
}

/** Carry out a kill order (a device of this group, by id) before the step starts. */
async function inject(order: KillOrder | null, l: Loop): Promise<void> {
  if (!order || !l.layout.ids.includes(order.id)) return;
  if (!l.group.kill) throw new Error('this device group runs in one thread and cannot kill a device; use worker devices');
  await l.group.kill(l.layout.ids.indexOf(order.id), order.phase);
}

/** What the loop carries from step to step, which a recovery replaces. */
interface Loop { group: DeviceGroup; layout: GroupLayout; step: number; tokens: number; history: HistoryPoint[]; restarts: number }

/** A failed step: report the fault, apply the settings' recovery policy within the restart budget (or
 *  rethrow: the run fails), report the recovery. Updates `loop` in place. */
async function* recover(e: unknown, loop: Loop, x: { cfg: RunConfig; run: RunConfig; data: DeviceData; env: RunEnv; startedAt: number }): AsyncGenerator<RunEvent, void, undefined> {
  const { cfg, env } = x;
  const failure = failureOf(e, null, loop.step + 1);
  if (!RECOVERABLE.has(failure.code) || failure.rank === null) throw e;
  const detected = Date.now();
  const id = loop.layout.ids[failure.rank];
  const msToDetect = failure.at !== undefined ? detected - failure.at : performance.now() - x.startedAt;
  yield { type: 'fault', failure, id, detectedBy: DETECTED_BY[failure.code] ?? 'device report', msToDetect, policy: cfg.recovery, devices: loop.layout.ids.length };
  if (loop.restarts++ >= cfg.maxRestarts) throw new RunError({ ...failure, message: `${failure.message}; the restart budget (${cfg.maxRestarts}) is spent` });
  const r = await policies[cfg.recovery]({ cfg: x.run, data: x.data, group: loop.group, layout: loop.layout, failure, step: loop.step, store: env.checkpoints ?? null, createGroup: env.createGroup });
  const stepsRedone = loop.step - r.step;
  [loop.group, loop.layout, loop.step] = [r.group, r.layout, r.step];
  if (r.restored) [loop.tokens, loop.history] = [r.restored.tokens, r.restored.history];
  yield { type: 'recovered', policy: cfg.recovery, id, failure, step: loop.step, stepsRedone, msToRecover: Date.now() - detected, devices: loop.layout.ids.length, ids: [...loop.layout.ids], note: r.note, history: r.restored?.history.slice() };
}

/** Validation loss of the weights, and of the EMA weights when there are any. */
async function evaluate(group: DeviceGroup, cfg: RunConfig): Promise<{ valLoss: number; valLossEma?: number }> {
  const valLoss = await group.evaluate(false);
  return cfg.emaDecay > 0 ? { valLoss, valLossEma: await group.evaluate(true) } : { valLoss };
}
