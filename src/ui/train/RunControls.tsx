// Start / Stop and the run's one-line status.
import { isActive } from '../../state/runStore';
import { useForm, useRun } from '../stores';
import { startTraining, stopTraining } from '../runTraining';

const LABEL = { idle: 'ready', starting: 'starting', running: 'training', stopping: 'stopping', done: 'done', stopped: 'stopped', failed: 'failed' } as const;

/** Start is enabled only for valid settings and no run in progress. */
export function RunControls() {
  const cfg = useForm((s) => s.cfg);
  const status = useRun((s) => s.status);
  const message = useRun((s) => s.message);
  const active = isActive(status);
  return (
    <div className="controls">
      <button type="button" data-testid="train-start" disabled={!cfg || active} onClick={() => cfg && void startTraining(cfg)}>Start</button>
      <button type="button" data-testid="train-stop" disabled={status !== 'running'} onClick={stopTraining}>Stop</button>
      <span className={`status status-${status}`} data-testid="train-status" data-status={status}>{LABEL[status]}</span>
      {message && <span className={status === 'failed' ? 'error' : 'message'} data-testid="train-message">{message}</span>}
    </div>
  );
}
