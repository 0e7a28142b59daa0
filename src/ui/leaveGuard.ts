// Leaving or reloading the page during a run would end it (the workers go with the page): while a run is
// in progress the browser asks first (beforeunload; browsers show their own wording). If the user leaves
// all the same, the page remembers where the run was (pagehide, in localStorage: synchronous, so it is
// written before the page goes) and says so on the next load, with the newest checkpoint to go on from.
import { isActive, runStore } from '../state/runStore';

const KEY = 'ringlab:interrupted';

const ask = (e: BeforeUnloadEvent) => {
  e.preventDefault();
  e.returnValue = ''; // older browsers need returnValue set to show the prompt
};

/** What the next load says about a run that was going when the page went. */
const remember = () => {
  const s = runStore.getState();
  if (!isActive(s.status)) return;
  const saved = s.notes.filter((n) => n.kind === 'checkpoint' && !n.error).at(-1)?.step ?? null;
  try {
    localStorage.setItem(KEY, JSON.stringify({ step: s.step, steps: s.steps, checkpoint: saved }));
  } catch {
    // storage off or full: the next load just says nothing
  }
};

/** The message about a run the last page left unfinished (once), or null. */
function interruptedMessage(): string | null {
  let r: { step?: unknown; steps?: unknown; checkpoint?: unknown } | null;
  try {
    const raw = localStorage.getItem(KEY);
    localStorage.removeItem(KEY);
    r = raw ? (JSON.parse(raw) as typeof r) : null;
  } catch {
    return null; // storage off, or not what this page wrote: nothing to say
  }
  if (!r || typeof r.step !== 'number' || typeof r.steps !== 'number') return null;
  const where = typeof r.checkpoint === 'number'
    ? `Its newest checkpoint (step ${r.checkpoint}) is under Checkpoints: Restore goes on from there.`
    : 'It had saved no checkpoint (checkpoint-every under Advanced settings keeps some).';
  return `The last run ended when the page was left, at step ${r.step} of ${r.steps}. ${where}`;
}

/** Ask before leaving whenever a run is active, remember a run that is left anyway, and say what the
 *  last page left unfinished; returns the unsubscribe. */
export function guardLeaving(): () => void {
  const left = interruptedMessage();
  if (left && runStore.getState().status === 'idle') runStore.setState({ message: left });
  // adding a listener already there, or removing one that is not, does nothing
  const sync = () => {
    if (isActive(runStore.getState().status)) window.addEventListener('beforeunload', ask);
    else window.removeEventListener('beforeunload', ask);
  };
  sync();
  const unsubscribe = runStore.subscribe(sync);
  window.addEventListener('pagehide', remember);
  return () => {
    unsubscribe();
    window.removeEventListener('beforeunload', ask);
    window.removeEventListener('pagehide', remember);
  };
}
