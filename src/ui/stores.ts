// The page's stores and their React bindings. `history`: finished runs in IndexedDB ('ringlab-runs'),
// read once at page load; `checkpoints`: every run's checkpoints in IndexedDB (database 'ringlab'),
// opened on first use and listed at page load. useStore(store, selector) re-renders a view only when its
// selected slice changes; charts do not use these per step, they subscribe to runStore directly.
import { useStore } from 'zustand';
import { createCheckpoints } from '../state/checkpointList';
import { IdbCheckpointStore } from '../state/checkpointStore';
import { envStore, type EnvState } from '../state/envStore';
import { formStore, type FormState } from '../state/formStore';
import { idbArchive } from '../state/runArchive';
import { createHistory, type HistoryState } from '../state/runHistory';
import { runStore, type RunState } from '../state/runStore';

export const history = createHistory(idbArchive());
export const checkpoints = createCheckpoints(() => IdbCheckpointStore.open());

export const useRun = <T,>(sel: (s: RunState) => T): T => useStore(runStore, sel);
export const useForm = <T,>(sel: (s: FormState) => T): T => useStore(formStore, sel);
export const useEnv = <T,>(sel: (s: EnvState) => T): T => useStore(envStore, sel);
export const useHistory = <T,>(sel: (s: HistoryState) => T): T => useStore(history.store, sel);
