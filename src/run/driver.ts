// The run driver: the one training loop behind `npm run train` and the page. It checks the settings
// against the data and the memory budget, settles the backend once, builds the device group, then
// steps until done or stopped, evaluating and checkpointing on their cadences, and reports everything as
// typed events (events.ts). Stop through the AbortSignal: the step in flight finishes first. Failures
// end the run with one `failed` event carrying the root cause's record; nothing is thrown at the caller.
// Legend: G = devices*microBatch*accum sequences per step, T = blockSize; ms.
import type { BackendName } from '../engine/backend/adapter';
import type { BackendKind } from '../engine/backend/create';
import { globalBatch, type RunConfig } from '../engine/config';
import { fixedWindows, windowCount, type Dataset } from '../engine/data/dataset';
import { GlobalSampler } from '../engine/data/sampler';
import type { DeviceData } from '../engine/dist/device';
import { failureOf } from '../engine/errors';
import { checkMemory } from '../engine/memory';
import type { CheckpointEvent, RunEvent } from './events';
import type { DeviceGroup } from './group';
import { mergeReports } from './metrics';

export interface RunEnv {
  /** Builds the devices (worker Coordinator or LocalGroup) for settings whose backend is resolved. */
  createGroup(cfg: RunConfig, data: DeviceData): Promise<DeviceGroup>;
  /** Decides `auto` once for all devices, and checks a named backend is available. */
  resolveBackend(kind: BackendKind): Promise<{ name: BackendName; reason: string | null }>;
  /** Bytes each device may use; a config estimated above it is refused before anything starts. */
  memoryBudget: number;
  signal?: AbortSignal;
  /** Put the weights before training on the `started` event. */
  wantInitParams?: boolean;
  /** Save a checkpoint after `step` steps (called every cfg.checkpointEvery steps). */
  checkpoint?: (step: number, group: DeviceGroup) => Promise<Omit<CheckpointEvent, 'type'> | null>;
}

/** Whether the validation loss is measured after `step` steps: every evalEvery steps (0 = never) and at the end. */
export const evalDue = (cfg: Pick<RunConfig, 'evalEvery' | 'steps'>, step: number): boolean =>
  (cfg.evalEvery > 0 && step % cfg.evalEvery === 0) || step === cfg.steps;

/** Train `cfg` on `data`; iterate the events. Breaking out of the loop closes the devices. */
export async function* startRun(cfg: RunConfig, data: Dataset, env: RunEnv): AsyncGenerator<RunEvent, void, undefined> {
  let group: DeviceGroup | null = null;
  let step = 0;
  try {
    const V = data.tokenizer.vocabSize, G = globalBatch(cfg), T = cfg.blockSize;
    // Refuse before any device starts: the data must hold a global batch and the validation windows,
    // and the model must fit.
    const memory = checkMemory(cfg, V, env.memoryBudget);
    const sampler = new GlobalSampler(windowCount(data.train.length, T), G, cfg.seed);
    fixedWindows(data.val.length, T, cfg.evalWindows);
    const backend = await env.resolveBackend(cfg.backend);
    const run = { ...cfg, backend: backend.name };
    group = await env.createGroup(run, { train: data.train, val: data.val, vocabSize: V });
    yield {
      type: 'started', cfg: run, devices: group.info, backend: backend.name, backendReason: backend.reason, memory,
      data: { name: data.name, trainTokens: data.train.length, valTokens: data.val.length, vocabSize: V },
      initParams: env.wantInitParams ? await group.params() : undefined,
    };
    yield { type: 'eval', step: 0, ...(await evaluate(group, cfg)) };

    const t0 = performance.now();
    let tokens = 0;
    while (step < cfg.steps && !env.signal?.aborted) {
      const ts = performance.now();
      const reports = await group.step();
      const msStep = performance.now() - ts;
      step++;
      tokens += G * T;
      const metrics = mergeReports(reports, { cfg: run, msStep, tokens, epoch: sampler.epochOf(step - 1), backend: backend.name });
      const val = evalDue(cfg, step) ? await evaluate(group, cfg) : null;
      yield { type: 'step', metrics: { ...metrics, ...val } };
      if (val) yield { type: 'eval', step, ...val };
      if (cfg.checkpointEvery > 0 && step % cfg.checkpointEvery === 0 && env.checkpoint) {
        const saved = await env.checkpoint(step, group);
        if (saved) yield { type: 'checkpoint', ...saved };
      }
    }
    const ms = performance.now() - t0;
    yield { type: 'finished', reason: step < cfg.steps ? 'stopped' : 'done', step, tokens, ms, params: await group.params() };
  } catch (e) {
    yield { type: 'failed', failure: failureOf(e, null, step + 1) };
  } finally {
    await group?.close();
  }
}

/** Validation loss of the weights, and of the EMA weights when there are any. */
async function evaluate(group: DeviceGroup, cfg: RunConfig): Promise<{ valLoss: number; valLossEma?: number }> {
  const valLoss = await group.evaluate(false);
  return cfg.emaDecay > 0 ? { valLoss, valLossEma: await group.evaluate(true) } : { valLoss };
}
