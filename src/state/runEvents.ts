// Device faults, recoveries and checkpoints of the current run as the page shows them: one FaultNote per
// fault (completed by its recovery: work lost and time to recover), which the charts mark at the step
// that failed, and a short list of one-line events (newest last, at most MAX_NOTES). Pure: no DOM.
// Legend: step = optimizer steps done; ms.
import type { RunFailure } from '../engine/errors';
import type { CheckpointEvent, FaultEvent, RecoveredEvent } from '../run/events';

/** A fault's recovery, as its event says it (`step`: training resumed after it). */
export type RecoveryNote = Pick<RecoveredEvent, 'step' | 'stepsRedone' | 'msToRecover' | 'devices' | 'note'>;

/** A fault as its event says it: the device's id (as the topology names it; kept when elastic recovery
 *  renumbers the ranks), the failure's step in flight (where the charts mark it), code and message. */
export interface FaultNote extends Pick<FaultEvent, 'id' | 'detectedBy' | 'msToDetect' | 'policy'>, Pick<RunFailure, 'step' | 'code' | 'message'> {
  recovery: RecoveryNote | null;
}

export interface RunNote {
  kind: 'checkpoint' | 'fault' | 'recovered' | 'resumed';
  step: number;
  text: string;
  /** A checkpoint that could not be saved. */
  error: boolean;
}

/** Events kept for the list (a run saving every step would otherwise grow it without end). */
export const MAX_NOTES = 100;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const msText = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

export function faultNote(ev: FaultEvent): FaultNote {
  return {
    id: ev.id, step: ev.failure.step, code: ev.failure.code, message: ev.failure.message,
    detectedBy: ev.detectedBy, msToDetect: ev.msToDetect, policy: ev.policy, recovery: null,
  };
}

/** The faults with `ev` attached to the latest one still waiting for its recovery. */
export function withRecovery(faults: readonly FaultNote[], ev: RecoveredEvent): FaultNote[] {
  const i = faults.findLastIndex((f) => f.recovery === null);
  const recovery: RecoveryNote = { step: ev.step, stepsRedone: ev.stepsRedone, msToRecover: ev.msToRecover, devices: ev.devices, note: ev.note };
  return faults.map((f, j) => (j === i ? { ...f, recovery } : f));
}

/** What happened to the device, in one sentence. */
export function faultLine(f: FaultNote): string {
  return `device ${f.id} failed at step ${f.step} (${f.code}: ${f.message}), noticed by ${f.detectedBy === 'exit event' ? 'its worker\'s exit event' : `the ${f.detectedBy}`} after ${msText(f.msToDetect)}`;
}

/** The recovery in one sentence: policy, lost work, time. */
export function recoveryLine(r: RecoveryNote, policy: FaultNote['policy']): string {
  return `${policy}: resumed after step ${r.step} on ${plural(r.devices, 'device')}, ${plural(r.stepsRedone, 'completed step')} lost and trained again, recovered in ${msText(r.msToRecover)}`;
}

/** A chart marker's text: the fault and, once there is one, its recovery. */
export function markerText(f: FaultNote): string {
  return `${faultLine(f)}. ${f.recovery ? `${recoveryLine(f.recovery, f.policy)}.` : 'Recovering…'}`;
}

/** The event list's line for a driver event. */
export function noteOf(ev: CheckpointEvent | FaultEvent | RecoveredEvent): RunNote {
  switch (ev.type) {
    case 'checkpoint':
      return ev.id === null
        ? { kind: 'checkpoint', step: ev.step, text: ev.error ?? `checkpoint at step ${ev.step} not saved`, error: true }
        : { kind: 'checkpoint', step: ev.step, text: `checkpoint saved at step ${ev.step} (${(ev.bytes / 1024).toFixed(0)} KB in ${msText(ev.ms)})`, error: false };
    case 'fault':
      return { kind: 'fault', step: ev.failure.step, text: `${faultLine(faultNote(ev))}; recovery: ${ev.policy}`, error: false };
    case 'recovered':
      return { kind: 'recovered', step: ev.step, text: `recovered (${recoveryLine({ ...ev }, ev.policy)}): ${ev.note}`, error: false };
  }
}

/** `notes` with `n` appended, the oldest dropped beyond MAX_NOTES (saved checkpoints go first: they are
 *  in the checkpoint list anyway, a fault is not). */
export function addNote(notes: readonly RunNote[], n: RunNote): RunNote[] {
  const out = [...notes, n];
  while (out.length > MAX_NOTES) {
    const i = out.findIndex(routine);
    out.splice(i < 0 ? 0 : i, 1);
  }
  return out;
}

/** A checkpoint saved as planned: the one kind of event that can be summarised away. */
const routine = (n: RunNote) => n.kind === 'checkpoint' && !n.error;

/** The notes a short list shows, in order: every fault, recovery, resume and failed save among the last
 *  `max`, and only the latest `saves` saved checkpoints (a run saving every step would bury the rest). */
export function shortList(notes: readonly RunNote[], max = 8, saves = 2): RunNote[] {
  const keepSaves = new Set(notes.filter(routine).slice(-saves));
  return notes.filter((n) => !routine(n) || keepSaves.has(n)).slice(-max);
}
