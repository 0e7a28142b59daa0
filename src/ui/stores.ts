// React bindings of the vanilla stores: useStore(store, selector) re-renders a view only when its
// selected slice changes. Charts do not use these per step; they subscribe to runStore directly.
import { useStore } from 'zustand';
import { envStore, type EnvState } from '../state/envStore';
import { formStore, type FormState } from '../state/formStore';
import type { HistoryState } from '../state/runHistory';
import { runStore, type RunState } from '../state/runStore';
import { history } from './history';

export const useRun = <T,>(sel: (s: RunState) => T): T => useStore(runStore, sel);
export const useForm = <T,>(sel: (s: FormState) => T): T => useStore(formStore, sel);
export const useEnv = <T,>(sel: (s: EnvState) => T): T => useStore(envStore, sel);
export const useHistory = <T,>(sel: (s: HistoryState) => T): T => useStore(history.store, sel);
