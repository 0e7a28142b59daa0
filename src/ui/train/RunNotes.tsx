// What needs attention in the run: a loss far above its start (with the likely cause), a failure with
// its code and the device blamed (and, for an unexpected exception, where it was thrown), and device
// faults. Alerts are announced to screen readers.
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
  const faults = useRun((s) => s.faults);
  return (
    <div className="notes">
      {warning && (
        <p className={`warning${warning.ongoing ? ' ongoing' : ''}`} role="alert" data-testid="loss-warning">
          <b>{warning.ongoing ? 'Diverging' : 'Loss spike'}:</b> {warning.text}
        </p>
      )}
      {failure && (
        <div className="failure" role="alert" data-testid="run-failure" data-code={failure.code}>
          <b>{failure.code === 'DIVERGED' ? 'Diverged' : 'Failed'}</b> ({failure.code}{failure.rank !== null ? `, device ${failure.rank}` : ''}, step {failure.step}): {failure.message}
          {CODE_HELP[failure.code] && <p className="explain">{CODE_HELP[failure.code]}</p>}
          {failure.stack && <details><summary>Where it was thrown</summary><pre>{failure.stack}</pre></details>}
        </div>
      )}
      {faults.length > 0 && (
        <ul className="faults" aria-label="Device faults">
          {faults.map((f, i) => <li key={i}>{f.message}{f.recovered ? ' (recovered)' : ''}</li>)}
        </ul>
      )}
    </div>
  );
}
