// The settings form as a vanilla zustand store: the strings as typed, the schema's messages by field,
// and the validated settings (null while any field is invalid). React views read it through
// useStore(formStore, selector); nothing here imports React.
import { createStore } from 'zustand/vanilla';
import type { RunConfig } from '../engine/config';
import { DEFAULT_FORM, validateForm, type FieldKey, type FormErrors, type FormValues } from './trainForm';

export interface FormState {
  form: FormValues;
  errors: FormErrors;
  cfg: RunConfig | null;
  setField: (k: FieldKey, v: string) => void;
}

const initial = validateForm(DEFAULT_FORM);

export const formStore = createStore<FormState>()((set, get) => ({
  form: DEFAULT_FORM,
  errors: initial.ok ? {} : initial.errors,
  cfg: initial.ok ? initial.cfg : null,
  setField: (k, v) => {
    const form = { ...get().form, [k]: v };
    const r = validateForm(form);
    set({ form, errors: r.ok ? {} : r.errors, cfg: r.ok ? r.cfg : null });
  },
}));
