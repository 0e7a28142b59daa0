// The settings survive a reload: the fields that differ from the page's defaults, stored as one
// versioned JSON record in localStorage (only changes are kept, so a better default reaches everyone who
// never touched that field). Reading never throws: an unreadable, foreign or newer record gives the
// defaults, and unknown keys or non-string values are dropped.
import { FIELD_KEYS, type FieldKey } from './formFields';
import { DEFAULT_FORM, type FormValues } from './trainForm';

export const SETTINGS_KEY = 'ringlab.settings';
/** Version of the stored record; `migrations[v]` turns a version-v record into v+1. */
export const SETTINGS_VERSION = 1;
const migrations: Record<number, (form: Record<string, unknown>) => Record<string, unknown>> = {};

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** localStorage (or sessionStorage) where there is one (not in Node, not where the browser refuses it). */
export function browserStorage(kind: 'localStorage' | 'sessionStorage' = 'localStorage'): KeyValueStorage | null {
  try {
    return globalThis[kind] ?? null;
  } catch {
    return null; // e.g. storage disabled for this origin: reading localStorage throws
  }
}

/** The stored settings over the defaults (the defaults when nothing usable is stored). */
export function loadForm(storage: KeyValueStorage | null): FormValues {
  let raw: unknown;
  try {
    raw = JSON.parse(storage?.getItem(SETTINGS_KEY) ?? 'null');
  } catch {
    return { ...DEFAULT_FORM };
  }
  if (!raw || typeof raw !== 'object' || typeof (raw as { version?: unknown }).version !== 'number') return { ...DEFAULT_FORM };
  let { version, form } = raw as { version: number; form: unknown };
  if (!form || typeof form !== 'object' || version > SETTINGS_VERSION) return { ...DEFAULT_FORM };
  for (; version < SETTINGS_VERSION; version++) form = (migrations[version] ?? ((x) => x))(form as Record<string, unknown>);
  const out = { ...DEFAULT_FORM };
  for (const [k, v] of Object.entries(form as Record<string, unknown>)) {
    if (Object.hasOwn(DEFAULT_FORM, k) && FIELD_KEYS.includes(k as FieldKey) && typeof v === 'string') out[k as FieldKey] = v;
  }
  return out;
}

/** Store the fields that differ from the defaults (nothing stored when none do). Never throws. */
export function saveForm(storage: KeyValueStorage | null, form: FormValues): void {
  const changed = Object.fromEntries(FIELD_KEYS.filter((k) => form[k] !== DEFAULT_FORM[k]).map((k) => [k, form[k]]));
  try {
    if (Object.keys(changed).length === 0) storage?.removeItem(SETTINGS_KEY);
    else storage?.setItem(SETTINGS_KEY, JSON.stringify({ version: SETTINGS_VERSION, form: changed }));
  } catch {
    // quota or disabled storage: the settings are simply not kept
  }
}
