// Start / Stop and the run's status in a word: a diverging or diverged run is never shown as a green
// "done". Start is off for invalid settings, a config too big for memory, or a run in progress.
import { isActive, outcomeOf } from '../../state/runStore';
import { startTraining, stopTraining } from '../runTraining';
import { useMemoryVerdict } from '../settings/RunSize';
import { useForm, useRun } from '../stores';

export function RunControls() {
  const cfg = useForm((s) => s.cfg);
  const status = useRun((s) => s.status);
  const outcome = useRun(outcomeOf);
  const message = useRun((s) => s.message);
  const verdict = useMemoryVerdict();
  const active = isActive(status);
  const tooBig = verdict !== null && !verdict.fits;
  return (
    <div className="controls">
      <button type="button" data-testid="train-start" disabled={!cfg || active || tooBig} onClick={() => cfg && void startTraining(cfg)}>Start</button>
      <button type="button" data-testid="train-stop" disabled={status !== 'running'} onClick={stopTraining}>Stop</button>
      <span className={`status status-${outcome}`} data-testid="train-status" data-status={status} data-outcome={outcome} role="status">{outcome}</span>
      {message && <span className={status === 'failed' ? 'error' : 'message'} data-testid="train-message">{message}</span>}
    </div>
  );
}
