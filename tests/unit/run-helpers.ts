// Helpers for tests that run training in this thread: a run through the driver on a LocalGroup of CPU
// devices (the path one-device CLI runs take), and a bare one-device DistDevice for tests that poke
// at the weights between steps.
import { createBackend } from '../../src/engine/backend/create';
import { CpuBackend } from '../../src/engine/backend/cpu';
import type { Backend } from '../../src/engine/backend/types';
import { Comm, localGroup } from '../../src/engine/collectives';
import type { RunConfig } from '../../src/engine/config';
import type { Dataset } from '../../src/engine/data/dataset';
import { DistDevice } from '../../src/engine/dist/device';
import { startRun, type RunEnv } from '../../src/run/driver';
import type { FailedEvent, FinishedEvent, RunEvent } from '../../src/run/events';
import type { Fault } from '../../src/run/group';
import { LocalGroup } from '../../src/run/local-group';
import type { StepMetrics } from '../../src/run/metrics';

/** The driver's environment for CPU devices in this thread. */
export function localEnv(o: Partial<RunEnv> & { faults?: Record<number, Fault> } = {}): RunEnv {
  const { faults, ...rest } = o;
  return {
    memoryBudget: 2 ** 32,
    resolveBackend: async () => ({ name: 'cpu', reason: null }),
    createGroup: (cfg, data) => LocalGroup.start(cfg, data, { makeBackend: () => createBackend('cpu'), timeoutMs: 20_000, faults }),
    ...rest,
  };
}

export interface RunResult {
  events: RunEvent[];
  steps: StepMetrics[];
  finished: FinishedEvent | null;
  failed: FailedEvent | null;
}

/** Every event of a run of `cfg` on `data` in this thread. */
export async function runLocal(cfg: RunConfig, data: Dataset, o: Partial<RunEnv> & { faults?: Record<number, Fault> } = {}): Promise<RunResult> {
  const events: RunEvent[] = [];
  for await (const ev of startRun(cfg, data, localEnv(o))) events.push(ev);
  return {
    events,
    steps: events.flatMap((e) => (e.type === 'step' ? [e.metrics] : [])),
    finished: (events.find((e) => e.type === 'finished') as FinishedEvent | undefined) ?? null,
    failed: (events.find((e) => e.type === 'failed') as FailedEvent | undefined) ?? null,
  };
}

/** One device with no peers, stepped by hand (call destroy() when done). */
export function oneDevice(cfg: RunConfig, data: Dataset, backend: Backend = new CpuBackend()): DistDevice {
  const [t] = localGroup(1);
  return new DistDevice(backend, cfg, new Comm(t), { train: data.train, val: data.val, vocabSize: data.tokenizer.vocabSize });
}
