// The settings form as a vanilla zustand store: the strings as typed, the schema's messages by field,
// and the validated settings (null while any field is invalid). Every change is saved (formPersist.ts),
// so the settings survive a reload. React views read it through useStore(formStore, selector); nothing
// here imports React.
import { createStore } from 'zustand/vanilla';
import type { RunConfig } from '../engine/config';
import type { FieldKey } from './formFields';
import { browserStorage, loadForm, saveForm, type KeyValueStorage } from './formPersist';
import { DEFAULT_FORM, validateForm, type FormErrors, type FormValues } from './trainForm';

export interface FormState {
  form: FormValues;
  errors: FormErrors;
  cfg: RunConfig | null;
  setField: (k: FieldKey, v: string) => void;
  /** Several fields at once (one validation). */
  setFields: (patch: Partial<FormValues>) => void;
  /** Back to the page's defaults. */
  reset: () => void;
}

const validated = (form: FormValues) => {
  const r = validateForm(form);
  return { form, errors: r.ok ? {} : r.errors, cfg: r.ok ? r.cfg : null };
};

/** A form store persisted to `storage` (null: not persisted). */
export function createFormStore(storage: KeyValueStorage | null) {
  return createStore<FormState>()((set, get) => {
    const update = (form: FormValues) => {
      set(validated(form));
      saveForm(storage, form);
    };
    return {
      ...validated(loadForm(storage)),
      setField: (k, v) => update({ ...get().form, [k]: v }),
      setFields: (patch) => update({ ...get().form, ...patch }),
      reset: () => update({ ...DEFAULT_FORM }),
    };
  });
}

export const formStore = createFormStore(browserStorage());
