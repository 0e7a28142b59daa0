// What a run tells its subscribers, in order: started, then per optimizer step a `step` (with the
// validation loss on evaluation steps) followed by `eval` and `checkpoint` when due, fault / recovered
// when a device dies and the run goes on, and exactly one of finished (done | stopped) or failed.
// Legend: N = devices, P = parameters; ms; bytes.
import type { BackendName } from '../engine/backend/adapter';
import type { TrainingState } from '../engine/checkpoint';
import type { RunConfig } from '../engine/config';
import type { RunFailure } from '../engine/errors';
import type { MemoryEstimate } from '../engine/memory';
import type { DeviceInfo } from './group';
import type { HistoryPoint } from './history';
import type { StepMetrics } from './metrics';

export interface StartedEvent {
  type: 'started';
  /** The settings as run (backend resolved: never 'auto'). */
  cfg: RunConfig;
  devices: DeviceInfo[];
  backend: BackendName;
  /** Why `auto` chose the backend (null when it was asked for by name). */
  backendReason: string | null;
  /** The estimate the memory check passed (per device). */
  memory: MemoryEstimate;
  data: { name: string; trainTokens: number; valTokens: number; vocabSize: number };
  /** The weights before training (P values), when the environment asked for them. */
  initParams?: Float32Array;
  /** Set when the run resumes a checkpoint: its step and history. */
  resumed?: { step: number; history: HistoryPoint[] };
}

export interface StepEvent { type: 'step'; metrics: StepMetrics }

/** Validation loss after `step` optimizer steps (step 0: before training). */
export interface EvalEvent { type: 'eval'; step: number; valLoss: number; valLossEma?: number }

/** A checkpoint after `step` steps: its id in the store, or (id null) why it could not be saved. */
export interface CheckpointEvent { type: 'checkpoint'; step: number; id: string | null; bytes: number; ms: number; loss: number | null; error?: string }

/** How a failure was noticed: the worker's exit/error event, the collective timeout, the device's own
 *  report (an exception), or a peer's abort. */
export type DetectedBy = 'exit event' | 'timeout' | 'device report' | 'peer abort';

/** A device failed and the recovery policy takes over (or, with `final`, the run gives up). */
export interface FaultEvent {
  type: 'fault';
  failure: RunFailure;
  /** The device's id (as shown in the topology). */
  id: number;
  detectedBy: DetectedBy;
  /** From the failure (a kill, a worker's exit, the step's start for a timeout) to the driver knowing. */
  msToDetect: number;
  policy: RunConfig['recovery'];
  /** Devices before the fault. */
  devices: number;
}

/** Training goes on after a fault. */
export interface RecoveredEvent {
  type: 'recovered';
  policy: RunConfig['recovery'];
  /** The device that failed (its id). */
  id: number;
  failure: RunFailure;
  /** Training resumes after this many steps (the checkpoint's, or the step before the one in flight). */
  step: number;
  /** Completed steps lost and trained again (the step in flight is always redone). */
  stepsRedone: number;
  msToRecover: number;
  /** Devices after recovery, and their ids by rank. */
  devices: number;
  ids: number[];
  /** Why it went the way it did (e.g. ZeRO-1 under elastic restores from a checkpoint). */
  note: string;
  /** The restored history (restart from a checkpoint), for views that redraw. */
  history?: HistoryPoint[];
}

export interface FinishedEvent {
  type: 'finished';
  /** done: all steps trained; stopped: the signal asked to stop (after the step in flight). */
  reason: 'done' | 'stopped';
  step: number;
  tokens: number;
  /** Wall time of the training loop. */
  ms: number;
  /** The final weights (P values). */
  params: Float32Array;
  /** The final training state (weights, optimizer state, history), when the environment asked for it. */
  state?: TrainingState;
}

export interface FailedEvent { type: 'failed'; failure: RunFailure }

export type RunEvent = StartedEvent | StepEvent | EvalEvent | CheckpointEvent | FaultEvent | RecoveredEvent | FinishedEvent | FailedEvent;
