// Leaving or reloading the page during a run would end it (the workers go with the page): while a run is
// in progress the browser asks first (beforeunload; browsers show their own wording).
import { isActive, runStore } from '../state/runStore';

const ask = (e: BeforeUnloadEvent) => {
  e.preventDefault();
  e.returnValue = ''; // older browsers need returnValue set to show the prompt
};

/** Ask before leaving whenever a run is active; returns the unsubscribe. */
export function guardLeaving(): () => void {
  let on = false;
  const sync = () => {
    const want = isActive(runStore.getState().status);
    if (want === on) return;
    on = want;
    if (on) window.addEventListener('beforeunload', ask);
    else window.removeEventListener('beforeunload', ask);
  };
  sync();
  const unsubscribe = runStore.subscribe(sync);
  return () => {
    unsubscribe();
    window.removeEventListener('beforeunload', ask);
  };
}
