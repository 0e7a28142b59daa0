// What needs attention in the run: a loss far above its start (with the likely cause), a failure with
// its code and the device blamed (and, for an unexpected exception, where it was thrown), and the run's
// events: checkpoints saved (or not), device faults and recoveries, the newest few. Alerts are announced
// to screen readers; the event list is a polite live region.
import { USER_CODES } from '../../engine/errors';
import { shortList } from '../../state/runEvents';
import { useRun } from '../stores';

const CODE_HELP: Partial<Record<string, string>> = {
  DIVERGED: 'The loss or the gradients stopped being finite numbers, so the run was stopped.',
  MEMORY: 'The settings need more memory per device than this browser allows.',
  SILENT: 'A device stopped answering within the timeout.',
  EXITED: 'A device worker ended.',
  BACKEND: 'The asked-for backend is not available here.',
  THREW: 'An unexpected error: please report it with the details below.',
};

export function RunNotes() {
  const warning = useRun((s) => s.warning);
  const failure = useRun((s) => s.failure);
  const notes = useRun((s) => s.notes);
  // a glance at what happened: faults and recoveries stay, saved checkpoints only the latest two (all of
  // them are in the checkpoint list)
  const shown = shortList(notes);
  return (
    <div className="notes">
      {warning && (
        <p className={`warning${warning.ongoing ? ' ongoing' : ''}`} role="alert" data-testid="loss-warning">
          <b>{warning.ongoing ? 'Diverging' : 'Loss spike'}:</b> {warning.text}
        </p>
      )}
      {failure && (
        <div className="failure" role="alert" data-testid="run-failure" data-code={failure.code}>
          <b>{failure.code === 'DIVERGED' ? 'Diverged' : 'Failed'}</b> ({failure.code}{failure.rank !== null ? `, device ${failure.rank}` : ''}, {USER_CODES.has(failure.code) ? 'before training' : `step ${failure.step}`}): {failure.message}
          {CODE_HELP[failure.code] && <p className="explain">{CODE_HELP[failure.code]}</p>}
          {failure.stack && <details><summary>Where it was thrown</summary><pre>{failure.stack}</pre></details>}
        </div>
      )}
      {notes.length > 0 && (
        <div className="events">
          <h3 id="events-title">Events{notes.length > shown.length ? ` (${shown.length} of ${notes.length})` : ''}</h3>
          <ul aria-labelledby="events-title" aria-live="polite" data-testid="run-events">
            {shown.map((n) => <li key={notes.indexOf(n)} className={`event ${n.kind}${n.error ? ' error' : ''}`} data-kind={n.kind}>{n.text}</li>)}
          </ul>
        </div>
      )}
    </div>
  );
}
