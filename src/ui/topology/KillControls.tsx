// Fault injection from the page: a kill button per device (named "kill device N"), when to kill (before
// the next step, or once that step's first gradient bucket is on the wire), and the recovery policy.
// A kill ends the device's Web Worker for real (FaultInbox -> the coordinator terminates it); the driver
// notices the worker's exit at once and recovers by the run's policy. The policy is a setting: it can be
// changed here or under Advanced settings before a run, and is fixed while one runs.
import { useState } from 'react';
import type { KillOrder } from '../../run/faults';
import { formStore } from '../../state/formStore';
import { isActive } from '../../state/runStore';
import { killDevice } from '../runTraining';
import { useForm, useRun } from '../stores';

const POLICY_HELP = {
  restart: 'every device restarts from the newest checkpoint (from the start when there is none); the steps since it are trained again',
  elastic: 'the survivors go on without it: the ring re-forms with one device fewer and shares out its part of the batch; only the step in flight is redone (with zero 1, from the newest checkpoint)',
} as const;

/** The kill buttons and recovery policy for N devices (ids 0..N-1). */
export function KillControls({ N }: { N: number }) {
  const status = useRun((s) => s.status);
  const runPolicy = useRun((s) => s.cfg?.recovery);
  const ids = useRun((s) => s.ids);
  const dead = useRun((s) => s.dead);
  const pending = useRun((s) => s.pendingKills);
  const formPolicy = useForm((s) => s.form.recovery);
  const runEvery = useRun((s) => s.cfg?.checkpointEvery);
  const formEvery = useForm((s) => s.cfg?.checkpointEvery);
  const [phase, setPhase] = useState<KillOrder['phase']>('step');
  const active = isActive(status);
  const policy = active && runPolicy ? runPolicy : (formPolicy as keyof typeof POLICY_HELP);
  // an allreduce needs a peer: with one device left there is nothing to be killed inside
  const canAllreduce = (active ? ids.length : N) > 1;
  const when = canAllreduce ? phase : 'step';
  // a restart without checkpoints goes back to the initial weights: say so before anyone is surprised
  const noCheckpoints = policy === 'restart' && (active ? runEvery : formEvery) === 0;
  return (
    <div className="kill" role="group" aria-labelledby="kill-title">
      <h3 id="kill-title">Kill a device</h3>
      <p className="explain">
        Ends that device's worker for real during the run. The others notice at once (the worker's exit event)
        and training recovers by the policy: <b>{policy}</b>, {POLICY_HELP[policy] ?? ''}.
        {noCheckpoints && <span data-testid="kill-no-checkpoints"> Checkpoints are off (<code>checkpoint-every</code> 0 under Advanced settings), so a restart starts again from step 0.</span>}
      </p>
      <div className="kill-row">
        <label className="inline-control">recovery{' '}
          <select aria-label="recovery policy" value={policy} disabled={active} onChange={(e) => formStore.getState().setField('recovery', e.target.value)}
            aria-description={active ? 'fixed while a run is in progress' : undefined}>
            <option value="restart">restart</option>
            <option value="elastic">elastic</option>
          </select>
        </label>
        <label className="inline-control">when{' '}
          <select aria-label="kill when" value={when} onChange={(e) => setPhase(e.target.value as KillOrder['phase'])}>
            <option value="step">before the next step</option>
            <option value="allreduce" disabled={!canAllreduce}>inside the allreduce</option>
          </select>
        </label>
      </div>
      <div className="kill-row">
        {Array.from({ length: N }, (_, id) => {
          const isDead = dead.includes(id) && !ids.includes(id);
          const isPending = pending.includes(id);
          const state = isDead ? 'dead' : isPending ? 'killing…' : status !== 'running' ? 'start a run first' : '';
          return (
            <button key={id} type="button" className="kill-button" data-testid="kill-device" data-id={id}
              disabled={status !== 'running' || !ids.includes(id) || isPending} aria-description={state || undefined}
              onClick={() => killDevice(id, when)}>
              kill device {id}{isDead ? ' (dead)' : isPending ? ' …' : ''}
            </button>
          );
        })}
      </div>
    </div>
  );
}
