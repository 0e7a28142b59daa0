// A group of devices as the driver sees it, whatever runs them: the worker Coordinator (a Web Worker or
// worker_thread per device) or a LocalGroup (every device in this thread, for tests and one-device CLI
// runs). Calls go to every device at once; a failure rejects with a RunError whose record names the
// device blamed (the root cause when several fail).
// Legend: N = devices, P = parameters; [lo, hi) = a ZeRO-1 shard of the flat parameter vector.
import type { BackendName } from '../engine/backend/adapter';
import type { DeviceStepReport } from '../engine/dist/report';
import type { ModelStateMemory } from '../engine/dist/memory';
import type { RunFailure } from '../engine/errors';

/** What a device reports once built. */
export interface DeviceInfo {
  rank: number;
  /** The backend this device really trains on. */
  backend: BackendName;
  /** One line: the adapter and kernel variants, or `backend cpu`. */
  backendDetail: string;
  /** The parameters whose optimizer state this device holds (all of them without ZeRO-1). */
  shard: [number, number];
  memory: ModelStateMemory;
}

export interface DeviceGroup {
  readonly info: DeviceInfo[];
  /** One optimizer step on every device; their reports by rank. */
  step(): Promise<DeviceStepReport[]>;
  /** Validation loss of the current (or EMA) weights; every device holds the same, device 0 answers. */
  evaluate(useEma: boolean): Promise<number>;
  /** A copy of the full weights (P values, device 0's). */
  params(): Promise<Float32Array>;
  /** Release every device (idempotent; never throws). */
  close(): Promise<void>;
}

/** A call's result as data: what crosses a worker boundary instead of an exception. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: RunFailure };

/** Test hook: make a device fail at a step: throw, never answer again (hang), end its thread (exit),
 *  or poison its weights with a NaN (nan: the step then diverges on every device). */
export interface Fault { step: number; mode: 'throw' | 'hang' | 'exit' | 'nan' }
