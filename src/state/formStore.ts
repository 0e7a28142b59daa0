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
  /** Names of the texts of one's own this browser keeps (null until read from IndexedDB). */
  ownTexts: string[] | null;
  /** The texts kept changed (imported, deleted, or first read): validate again. */
  setOwnTexts: (names: string[]) => void;
  setField: (k: FieldKey, v: string) => void;
  /** Several fields at once (one validation). */
  setFields: (patch: Partial<FormValues>) => void;
  /** Back to the page's defaults. */
  reset: () => void;
}

const validated = (form: FormValues, ownTexts: string[] | null) => {
  const r = validateForm(form, ownTexts);
  return { form, errors: r.ok ? {} : r.errors, cfg: r.ok ? r.cfg : null, ownTexts };
};

/** A form store persisted to `storage` (null: not persisted). */
export function createFormStore(storage: KeyValueStorage | null) {
  return createStore<FormState>()((set, get) => {
    const update = (form: FormValues) => {
      set(validated(form, get().ownTexts));
      saveForm(storage, form);
    };
    return {
      ...validated(loadForm(storage), null),
      setOwnTexts: (names) => set(validated(get().form, [...names])),
      setField: (k, v) => update({ ...get().form, [k]: v }),
      setFields: (patch) => update({ ...get().form, ...patch }),
      reset: () => update({ ...DEFAULT_FORM }),
    };
  });
}

export const formStore = createFormStore(browserStorage());
