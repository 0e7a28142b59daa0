// One setting's value as share-link text and back. The kind of text follows the type of the setting's
// default: numbers in shortest round-trip decimal (String(x), so Number(text) === x), enums and task
// names as they are, booleans as 0/1, slowDevice as RANK:FACTOR and killDevice as RANK@STEP (the forms
// of the CLI flags). Reading validates the one setting with its own schema field, so a link's messages
// are the schema's messages.

import { configKeys, defaultConfig, parseDecimal, RunConfigSchema, type ConfigKey, type RunConfig } from './config';
import { isTask, taskNames } from './data/tasks';

/** A setting a link can carry: every RunConfig key but `version`, which a link writes as `v`. */
export type SettingKey = Exclude<ConfigKey, 'version'>;

/** Every SettingKey in schema order. A Map, not an object, so `__proto__` or `toString` are never keys. */
export const SETTINGS: ReadonlyMap<string, SettingKey> = new Map(configKeys.filter((k): k is SettingKey => k !== 'version').map((k) => [k, k]));

/** The fixed defaults (before derived defaults), computed once. */
export const DEFAULTS: Readonly<RunConfig> = Object.freeze(defaultConfig());

/** Same value for a link: Object.is for scalars (so -0 and 0 differ), field by field for objects. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A number as the shortest decimal that reads back to it; -0 keeps its sign. */
const decimal = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

/** Text after RANK@STEP: a later `RANK@STEP:allreduce` form would carry its phase as a further string
 *  field of the object, written after a colon. */
const tail = (rest: object): string => Object.values(rest).filter((x): x is string => typeof x === 'string').map((x) => `:${x}`).join('');

/** A setting's value as link text (unescaped). Throws TypeError for a value no link form exists for
 *  (null where the default is not null): the encoder's exactness check would catch it anyway. */
export function formatValue(key: SettingKey, v: RunConfig[SettingKey]): string {
  if (typeof v === 'number') return decimal(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'string') return v;
  if (v !== null && key === 'slowDevice' && 'factor' in v) return `${v.rank}:${decimal(v.factor)}`;
  if (v !== null && key === 'killDevice' && 'step' in v) {
    const { rank, step, ...rest } = v;
    return `${rank}@${step}${tail(rest)}`;
  }
  throw new TypeError(`${key}: ${JSON.stringify(v)} has no link form`);
}

/** Link text shown in a message: as is when short and plain, else quoted and cut at 40 characters. */
export function shown(text: string): string {
  if (/^[\w.:@+-]{1,40}$/.test(text)) return text;
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Whether `data` can travel in a link: the Brown corpus or a synthetic task. A file path names a file on
 *  the machine that made the link, which the page cannot read and another machine may not have. */
export const linkableData = (name: string): boolean => name === 'brown' || isTask(name);

export type ReadResult = { ok: true; value: RunConfig[SettingKey] } | { ok: false; message: string };

/** A setting's value from link text (already percent-decoded), checked against its own schema field. */
export function readValue(key: SettingKey, text: string): ReadResult {
  const d = DEFAULTS[key];
  let raw: unknown = text;
  if (typeof d === 'number') {
    const n = parseDecimal(text);
    raw = Number.isNaN(n) ? text : n; // text that is not a number stays text: the schema names the type
  } else if (typeof d === 'boolean') raw = text === '1' ? true : text === '0' ? false : text;
  const r = RunConfigSchema.shape[key].safeParse(raw);
  if (!r.success) return { ok: false, message: `${r.error.issues[0].message}, got ${shown(text)}` };
  if (key === 'data' && !linkableData(text)) {
    return { ok: false, message: `must be brown or a task (${taskNames.join(', ')}) in a link, got ${shown(text)}` };
  }
  return { ok: true, value: r.data as RunConfig[SettingKey] };
}

/** Percent-escape link text, keeping ':', '@' and '/' readable (they are allowed in a URL fragment). */
export const escapeText = (s: string): string => encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%40/gi, '@').replace(/%2F/gi, '/');

/** Percent-decode link text, or null when its escapes are broken. '+' stays '+' (this is not a form). */
export function unescapeText(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
