// One run of a lesson, folded from the run driver's events: what the lessons' claims are checked on and
// what their answers show. Kept per run so a lesson can compare runs (the same numbers the page's views
// show: losses, bytes sent, waiting, loss scale, optimizer memory, steps redone). The same fold serves
// the page (events from the device workers) and the unit tests (events from the driver in Node).
// Legend: N = devices, P = parameters, S = gradient bytes of one allreduce (4P in fp32); ms; bytes.
import type { RunConfig } from '../engine/config';
import type { RunFailure } from '../engine/errors';
import type { RecoveredEvent, RunEvent } from '../run/events';

export type LessonRecovery = Pick<RecoveredEvent, 'policy' | 'step' | 'stepsRedone' | 'devices'>;

export interface LessonRun {
  label: string;
  /** The settings as run (backend resolved); null until started. */
  cfg: RunConfig | null;
  status: 'starting' | 'running' | 'done' | 'stopped' | 'failed';
  failure: RunFailure | null;
  /** Parameters of the model (P). */
  params: number;
  /** Devices when the run started. */
  devices: number;
  /** Optimizer-state bytes each device holds (by rank, at the start). */
  optimizerBytes: number[];
  /** By step (index = step - 1; a step trained again after a recovery replaces the lost one). */
  losses: number[];
  gradNorms: number[];
  lossScales: number[];
  skipped: boolean[];
  /** Per device (by rank at the start): bytes sent and ms spent computing, communicating and waiting,
   *  summed over the steps after the first (step 1 includes warm-up), and how many steps that is. */
  bytesSent: number[];
  msCompute: number[];
  msComm: number[];
  msIdle: number[];
  measured: number;
  /** Steps whose checkpoint was saved. */
  checkpoints: number[];
  recoveries: LessonRecovery[];
  /** Tokens per second over the training loop (the driver's wall time), once finished. */
  tokensPerS: number;
  /** The final weights (a copy), once finished. */
  finalParams: Float32Array | null;
}

/** A run not yet started. */
export function newLessonRun(label: string): LessonRun {
  return {
    label, cfg: null, status: 'starting', failure: null, params: 0, devices: 0, optimizerBytes: [], losses: [], gradNorms: [],
    lossScales: [], skipped: [], bytesSent: [], msCompute: [], msComm: [], msIdle: [], measured: 0, checkpoints: [], recoveries: [],
    tokensPerS: 0, finalParams: null,
  };
}

/** The per-device sums a run keeps (StepMetrics' fields of the same names). */
const PER_DEVICE = ['bytesSent', 'msCompute', 'msComm', 'msIdle'] as const;
const addTo = (sum: number[], xs: number[]) => xs.forEach((x, d) => { if (d < sum.length) sum[d] += x; });

/** Fold one event into `r` (in place). Finished weights are copied: the caller may hand them on. */
export function addLessonEvent(r: LessonRun, ev: RunEvent): void {
  switch (ev.type) {
    case 'started': {
      const N = ev.devices.length;
      Object.assign(r, { cfg: ev.cfg, status: 'running', params: ev.memory.params, devices: N, optimizerBytes: ev.devices.map((d) => d.memory.optimizer) });
      for (const k of PER_DEVICE) r[k] = new Array<number>(N).fill(0);
      return;
    }
    case 'step': {
      const m = ev.metrics, i = m.step - 1;
      // after a restart the steps since the checkpoint come again: the later values replace the lost ones
      r.losses.length = r.gradNorms.length = r.lossScales.length = r.skipped.length = Math.min(r.losses.length, i);
      r.losses.push(m.loss);
      r.gradNorms.push(m.gradNorm);
      r.lossScales.push(m.lossScale);
      r.skipped.push(m.skipped);
      if (m.step > 1) {
        for (const k of PER_DEVICE) addTo(r[k], m[k]);
        r.measured++;
      }
      return;
    }
    case 'checkpoint':
      if (ev.id !== null) r.checkpoints.push(ev.step);
      return;
    case 'recovered':
      r.recoveries.push({ policy: ev.policy, step: ev.step, stepsRedone: ev.stepsRedone, devices: ev.devices });
      return;
    case 'finished':
      Object.assign(r, { status: ev.reason, tokensPerS: ev.ms > 0 ? (ev.tokens * 1000) / ev.ms : 0, finalParams: ev.params.slice() });
      return;
    case 'failed':
      Object.assign(r, { status: 'failed', failure: ev.failure });
  }
}

/** Mean per step of a per-device sum (steps after the first). */
export const perStep = (r: LessonRun, k: (typeof PER_DEVICE)[number]): number[] => r[k].map((x) => (r.measured > 0 ? x / r.measured : NaN));

/** Bytes of one gradient allreduce: 4 per parameter, 2 with fp16 compression on the wire. */
export const gradientBytes = (r: LessonRun): number => r.params * (r.cfg?.compress === 'fp16' ? 2 : 4);
