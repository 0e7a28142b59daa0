// What a run tells its subscribers, in order: started, then per optimizer step a `step` (with the
// validation loss on evaluation steps) followed by `eval` and `checkpoint` when due, fault / recovered
// when a device dies and the run goes on, and exactly one of finished (done | stopped) or failed.
// Legend: N = devices, P = parameters; ms; bytes.
import type { BackendName } from '../engine/backend/adapter';
import type { RunConfig } from '../engine/config';
import type { RunFailure } from '../engine/errors';
import type { MemoryEstimate } from '../engine/memory';
import type { DeviceInfo } from './group';
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
}

export interface StepEvent { type: 'step'; metrics: StepMetrics }

/** Validation loss after `step` optimizer steps (step 0: before training). */
export interface EvalEvent { type: 'eval'; step: number; valLoss: number; valLossEma?: number }

export interface CheckpointEvent { type: 'checkpoint'; step: number; id: string; bytes: number; ms: number }

/** A device failed and the recovery policy takes over. */
export interface FaultEvent { type: 'fault'; failure: RunFailure; detectedBy: string; msToDetect: number }

/** Training goes on after a fault. */
export interface RecoveredEvent { type: 'recovered'; policy: RunConfig['recovery']; step: number; stepsRedone: number; msToRecover: number; devices: number }

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
}

export interface FailedEvent { type: 'failed'; failure: RunFailure }

export type RunEvent = StartedEvent | StepEvent | EvalEvent | CheckpointEvent | FaultEvent | RecoveredEvent | FinishedEvent | FailedEvent;
