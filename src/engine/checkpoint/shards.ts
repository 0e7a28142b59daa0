// Optimizer state between devices and checkpoints: every rank exports the state of its own range
// (Optimizer.exportState: one [lo, hi) shard with ZeRO-1, [0, P) without); a checkpoint keeps the shards
// as they were; a device that resumes asks for ITS range, which may cut across the saved shards (a run
// resumed on another number of devices, or elastic recovery with fewer). Slot data is copied, never aliased.
// Legend: P = parameters, [lo, hi) = a parameter range, S = saved shards.

import type { OptimizerState } from '../optim/optimizers';
import type { ReplicaState } from '../train/replica';
import { fail } from './errors';
import type { TrainingState } from './manifest';

/** The optimizer part of a TrainingState from the ranks' exported states (any order). Throws STATE when
 *  ranks disagree on the optimizer or its update count, SHARDS when their ranges overlap or leave a gap
 *  (the total P is checked when the state is saved). */
export function collectOptimizer(states: OptimizerState[]): TrainingState['optimizer'] {
  if (states.length === 0) fail('SHARDS', 'no optimizer state to collect');
  const [first] = states;
  for (const s of states) {
    if (s.optimizer !== first.optimizer || s.t !== first.t) fail('STATE', `ranks disagree: ${s.optimizer} t=${s.t} vs ${first.optimizer} t=${first.t}`);
  }
  const sorted = [...states].sort((a, b) => a.lo - b.lo);
  let pos = 0;
  for (const s of sorted) {
    if (s.lo !== pos) fail('SHARDS', s.lo < pos ? `optimizer ranges overlap at ${s.lo}` : `optimizer ranges leave [${pos}, ${s.lo}) uncovered`);
    pos = s.hi;
  }
  return { name: first.optimizer, t: first.t, shards: sorted.map((s) => ({ lo: s.lo, hi: s.hi, slots: s.slots.map((d) => d.slice()) })) };
}

/** The optimizer state of parameters [lo, hi), gathered from the saved shards (copies). Throws SHARDS
 *  when the shards do not cover the range. */
export function optimizerStateFor(opt: TrainingState['optimizer'], lo: number, hi: number): OptimizerState {
  const nSlots = opt.shards[0]?.slots.length ?? 0;
  const slots = Array.from({ length: nSlots }, () => new Float32Array(hi - lo));
  let covered = 0;
  for (const sh of opt.shards) {
    const a = Math.max(lo, sh.lo), b = Math.min(hi, sh.hi);
    if (a >= b) continue;
    sh.slots.forEach((d, k) => slots[k].set(d.subarray(a - sh.lo, b - sh.lo), a - lo));
    covered += b - a;
  }
  if (covered !== hi - lo) fail('SHARDS', `the saved optimizer shards cover ${covered} of the ${hi - lo} parameters in [${lo}, ${hi})`);
  return { optimizer: opt.name, lo, hi, t: opt.t, slots };
}

/** What Replica.importState needs for a device owning the optimizer range [lo, hi) (default: all). */
export function replicaStateFor(s: TrainingState, lo = 0, hi = s.params.length): ReplicaState {
  return { params: s.params.slice(), optimizer: optimizerStateFor(s.optimizer, lo, hi), scaler: { ...s.scaler }, ema: s.ema ? s.ema.slice() : null };
}
