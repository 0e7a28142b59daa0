// A group of devices as the driver sees it, whatever runs them: the worker Coordinator (a Web Worker or
// worker_thread per device) or a LocalGroup (every device in this thread, for tests and one-device CLI
// runs). Calls go to every device at once; a failure rejects with a RunError whose record names the
// device blamed (the root cause when several fail).
// Legend: N = devices, P = parameters; [lo, hi) = a ZeRO-1 shard of the flat parameter vector.
import type { BackendName } from '../engine/backend/adapter';
import type { WorkItem } from '../engine/dist/device';
import type { DeviceStepReport } from '../engine/dist/report';
import type { OptimizerState } from '../engine/optim/optimizers';
import type { ScalerState } from '../engine/optim/scaler';
import type { ReplicaState } from '../engine/train/replica';
import type { ModelStateMemory } from '../engine/dist/memory';
import type { RunFailure } from '../engine/errors';
import type { DeviceState } from './device-host';

/** What a device reports once built. */
export interface DeviceInfo {
  rank: number;
  /** Which device (kept when elastic recovery renumbers the ranks). */
  id: number;
  /** The backend this device really trains on. */
  backend: BackendName;
  /** One line: the adapter and kernel variants, or `backend cpu`. */
  backendDetail: string;
  /** The parameters whose optimizer state this device holds (all of them without ZeRO-1). */
  shard: [number, number];
  memory: ModelStateMemory;
}

/** What a group holds that a checkpoint needs: device 0's weights, EMA, loss scale and step, and the
 *  optimizer state of every range (one range without ZeRO-1, every device's shard with it). */
export interface GroupState {
  step: number;
  params: Float32Array;
  ema: Float32Array | null;
  scaler: ScalerState;
  optimizer: OptimizerState[];
}

/** Which devices make a group and what each trains (elastic recovery: fewer devices, same global batch). */
export interface GroupLayout {
  /** Device ids by rank. */
  ids: number[];
  /** Micro-batches per rank. */
  work: WorkItem[][];
}

export interface DeviceGroup {
  readonly info: DeviceInfo[];
  /** One optimizer step on every device; their reports by rank. */
  step(): Promise<DeviceStepReport[]>;
  /** Validation loss of the current (or EMA) weights; every device holds the same, device 0 answers. */
  evaluate(useEma: boolean): Promise<number>;
  /** A copy of the full weights (P values, device 0's). */
  params(): Promise<Float32Array>;
  /** The state a checkpoint needs. */
  exportState(): Promise<GroupState>;
  /** Resume every device: `stateFor(lo, hi)` gives the replica state of a device owning optimizer range [lo, hi). */
  importState(step: number, stateFor: (lo: number, hi: number) => ReplicaState): Promise<void>;
  /** Fault injection (worker groups): end device `rank`'s worker now, or once the next step's allreduce has begun. */
  kill?(rank: number, phase: 'step' | 'allreduce'): Promise<void>;
  /** Elastic recovery (worker groups, no ZeRO-1): drop device `rank`; the others re-form the ring with new
   *  ranks and take `work[newRank]`, keeping their weights and optimizer state. Returns their step counts. */
  shrink?(rank: number, work: WorkItem[][]): Promise<number[]>;
  /** Release every device (idempotent; never throws). */
  close(): Promise<void>;
}

/** A call's result as data: what crosses a worker boundary instead of an exception. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: RunFailure };

/** Test hook: make a device fail at a step: throw, never answer again (hang), end its thread (exit),
 *  or poison its weights with a NaN (nan: the step then diverges on every device). */
export interface Fault { step: number; mode: 'throw' | 'hang' | 'exit' | 'nan' }

/** A GroupState from the devices' exported states (device 0 first, with the weights). */
export function groupState(states: DeviceState[]): GroupState {
  const [d0] = states;
  if (!d0?.replica.params) throw new Error('groupState: device 0 must export its weights');
  return { step: d0.step, params: d0.replica.params, ema: d0.replica.ema, scaler: d0.replica.scaler, optimizer: states.map((s) => s.replica.optimizer) };
}
