// Share links: the settings as the hash of the page's address, e.g. `#v=1&devices=4&lr=0.001&devices_hide=1`.
// One codec for the page and `npm run train -- --config LINK`; the format and every rule are in
// docs/links.md. Writing names only what reading would not give by itself; reading never throws: each bad
// part becomes a problem (key, what was wrong, what was used instead) and the config stays valid, and only
// a link that cannot be salvaged (too long, unreadable or newer version) fails as a whole.

import { derivedDefaults, RunConfigSchema, type ConfigKey, type RunConfig } from './config';
import { clipKey, CURRENT_VERSIONING, hashOf, LINK_MAX_CHARS, migratePairs, splitPairs, versionOf, type LinkFailure, type LinkPair, type LinkVersioning } from './link-pairs';
import { checkNamed, resolveNamed } from './link-resolve';
import { DEFAULTS, escapeText, formatValue, linkableData, readValue, sameValue, SETTINGS, shown, type SettingKey } from './link-values';

export { LINK_MAX_CHARS, LINK_MIGRATIONS } from './link-pairs';
export type { LinkFailure, LinkFailureCode, LinkMigration, LinkPair, LinkVersioning } from './link-pairs';

/** A lesson id: lowercase letters, digits and '-', at most 64 characters, starting with a letter or digit. */
export const LESSON_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A text of one's own named in a link (`dataFile=NAME`): a file's base name, 1 to 100 characters, no
 *  '/', '\\' or control characters, not '.' or '..'. Only the name travels, never the text. */
// eslint-disable-next-line no-control-regex -- control characters are what a name must not contain
export const DATA_FILE_NAME = /^(?!\.{1,2}$)[^/\\\u0000-\u001f\u007f]{1,100}$/;

/** The base name of a data path (`runs/my notes.txt` -> `my notes.txt`). */
export const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/** One part of a link that was not used as written. `key` is the key as written (cut at 40 characters);
 *  `usedInstead` is what the result holds instead: the setting's value in `cfg` (its default, or the
 *  default derived from other settings) for a setting, 0 (shown) for a `_hide` key, the version read for
 *  `v`, and null for what is ignored (unknown keys, a bad lesson). */
export interface LinkProblem {
  key: string;
  message: string;
  usedInstead: RunConfig[ConfigKey] | null;
}

/** A link read, perhaps with problems: `cfg` always passes RunConfigSchema. `given` lists the settings
 *  the link set and that were used, in schema order (the CLI lets flags override only these). */
export interface LinkRead {
  ok: true;
  cfg: RunConfig;
  hidden: Set<ConfigKey>;
  lesson: string | null;
  /** The name of the sender's own text the run trained on (`dataFile=NAME`), which the receiver must
   *  supply; `cfg.data` then holds the default, since the text is not in the link. */
  dataFile: string | null;
  given: ConfigKey[];
  problems: LinkProblem[];
}

/** configFromLink's result: a read link, or a failure of the whole link. */
export type LinkResult = LinkRead | { ok: false; error: LinkFailure };

/** What configToLink adds beside the settings. */
export interface LinkExtras {
  hide?: ConfigKey[];
  lesson?: string;
  /** `cfg.data` is a text of the sender's own (a file): write its base name as `dataFile=NAME` instead of
   *  refusing it, so the receiver knows which text to supply. */
  ownData?: boolean;
}

export type LinkEncodeCode = 'invalid-config' | 'not-linkable' | 'bad-extras' | 'too-long' | 'not-exact';

/** Thrown by configToLink for a config or extras no link can carry. */
export class LinkEncodeError extends Error {
  constructor(readonly code: LinkEncodeCode, message: string) {
    super(message);
    this.name = 'LinkEncodeError';
  }
}

const sameConfig = (a: RunConfig, b: RunConfig, skipData = false): boolean =>
  [...SETTINGS.values()].every((k) => (skipData && k === 'data') || sameValue(a[k], b[k]));

/** The fewest settings whose reading gives `c` back: the non-default ones, plus any whose default follows
 *  other settings and would come out differently (warmup=20 with steps=300 is implied and left out, but
 *  minLr=3e-4 with lr=1e-4 and a constant schedule must be written, since reading would derive 1e-5). */
function namedSettings(c: RunConfig): Map<SettingKey, unknown> {
  const named = new Map<SettingKey, unknown>();
  for (const k of SETTINGS.values()) if (!sameValue(c[k], DEFAULTS[k])) named.set(k, c[k]);
  for (let turn = 0; turn < SETTINGS.size; turn++) {
    const r = checkNamed(named);
    const wrong = [...SETTINGS.values()].filter((k) => !named.has(k) && !(r.success && sameValue(r.data[k], c[k])));
    if (wrong.length === 0) break;
    for (const k of wrong) named.set(k, c[k]);
  }
  // Leave out a setting that reading would derive as it is (warmup=5 with steps=5). derivedDefaults is a
  // cheap first look; a schema parse (~0.2 ms) confirms.
  for (const k of [...named.keys()]) {
    const without = new Map(named);
    without.delete(k);
    const derived = (derivedDefaults(Object.fromEntries(without)) as Record<string, unknown>)[k];
    if (derived === undefined || !sameValue(derived, c[k])) continue;
    const r = checkNamed(without);
    if (r.success && sameConfig(r.data, c)) named.delete(k);
  }
  return named;
}

/** The hash part of a share link for `cfg` (no '#'): `v=<version>` first, then in schema order each
 *  setting that reading would not give by itself as `key=value`, each hidden control as `key_hide=1`
 *  right after its setting's place, and `lesson=<id>` last. With `ownData`, a file in `data` is written
 *  as `dataFile=<its base name>` at data's place. Deterministic: the same config and extras give the same
 *  text. Throws LinkEncodeError: `invalid-config` (cfg fails the schema), `not-linkable` (data is a file
 *  path and ownData is not set), `bad-extras` (hide names `version`, a lesson id outside LESSON_ID, ownData
 *  without a file, or a file name outside DATA_FILE_NAME), `too-long` (over LINK_MAX_CHARS), `not-exact`
 *  (reading the text would not give cfg back; a bug). */
export function configToLink(cfg: RunConfig, extras: LinkExtras = {}): string {
  const parsed = RunConfigSchema.safeParse(cfg);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new LinkEncodeError('invalid-config', `${String(i.path[0] ?? 'config')}: ${i.message}`);
  }
  const c = parsed.data;
  const own = extras.ownData === true;
  if (own && linkableData(c.data)) throw new LinkEncodeError('bad-extras', `ownData: data is ${c.data}, not a text of one's own`);
  if (!own && !linkableData(c.data)) throw new LinkEncodeError('not-linkable', `data: ${c.data} is a file; a link can carry only brown or a task`);
  const dataFile = own ? baseName(c.data) : null;
  if (dataFile !== null && !DATA_FILE_NAME.test(dataFile)) throw new LinkEncodeError('bad-extras', `dataFile: ${JSON.stringify(dataFile)} is not a file name a link can carry`);
  const hide = new Set<string>(extras.hide ?? []);
  for (const k of hide) if (!SETTINGS.has(k)) throw new LinkEncodeError('bad-extras', `hide: ${k} is not a control`);
  if (extras.lesson !== undefined && !LESSON_ID.test(extras.lesson)) throw new LinkEncodeError('bad-extras', `lesson: ${JSON.stringify(extras.lesson)} is not a lesson id`);

  // own data: the settings are written as if data were the default, and the text is named instead
  const named = namedSettings(dataFile === null ? c : { ...c, data: DEFAULTS.data });
  const parts = [`v=${c.version}`];
  for (const k of SETTINGS.values()) {
    if (named.has(k)) parts.push(`${k}=${escapeText(formatValue(k, c[k]))}`);
    if (k === 'data' && dataFile !== null) parts.push(`dataFile=${escapeText(dataFile)}`);
    if (hide.has(k)) parts.push(`${k}_hide=1`);
  }
  if (extras.lesson !== undefined) parts.push(`lesson=${extras.lesson}`);
  const link = parts.join('&');
  if (link.length > LINK_MAX_CHARS) throw new LinkEncodeError('too-long', `the link would have ${link.length} characters, more than ${LINK_MAX_CHARS}`);

  const back = configFromLink(link); // the guarantee a link gives: it reads back to exactly what was shared
  if (!back.ok || back.problems.length > 0 || !sameConfig(back.cfg, c, dataFile !== null) || back.hidden.size !== hide.size
    || back.lesson !== (extras.lesson ?? null) || back.dataFile !== dataFile) {
    throw new LinkEncodeError('not-exact', `the link ${link} does not read back to the config it was made from`);
  }
  return link;
}

/** What a problem's key is, to say what stands instead. */
const settingOf = (key: string): SettingKey | undefined => SETTINGS.get(key);

/** Read the pairs (version already taken out) into named settings, hidden controls, lesson and problems. */
function readPairs(pairs: LinkPair[]) {
  const groups = new Map<string, (string | null)[]>(); // a Map: keys are link text, '__proto__' included
  for (const [k, v] of pairs) {
    const seen = groups.get(k);
    if (seen) seen.push(v);
    else groups.set(k, [v]);
  }
  const given = new Map<SettingKey, unknown>();
  const hidden = new Set<ConfigKey>();
  const problems: { key: string; message: string }[] = [];
  let lesson: string | null = null;
  let dataFile: string | null = null;
  const hideOf = (k: string) => (k.endsWith('_hide') ? settingOf(k.slice(0, -'_hide'.length)) : undefined);

  for (const [key, values] of groups) {
    const bad = (message: string) => problems.push({ key: clipKey(key), message });
    const text = values[0];
    if (values.length > 1) bad(`is given ${values.length} times (a link names each key once)`);
    else if (key === 'lesson') {
      if (text !== null && LESSON_ID.test(text)) lesson = text;
      else bad(`must be a lesson id (a-z, 0-9 and '-', at most 64 characters), got ${text === null ? 'no value' : shown(text)}`);
    } else if (key === 'dataFile') {
      if (text !== null && DATA_FILE_NAME.test(text)) dataFile = text;
      else bad(`must be a file name (no '/', '\\' or control characters, at most 100 characters), got ${text === null ? 'no value' : shown(text)}`);
    } else if (hideOf(key)) {
      if (text === '1') hidden.add(hideOf(key)!);
      else if (text !== '0') bad(`must be 1 (hide the control) or 0, got ${text === null ? 'no value' : shown(text)}`);
    } else if (settingOf(key)) {
      const k = settingOf(key)!;
      const r = text === null ? { ok: false as const, message: `has no value (write ${k}=VALUE)` } : readValue(k, text);
      if (r.ok) given.set(k, r.value);
      else bad(r.message);
    } else bad(unknownKeyMessage(key));
  }
  // a link names one data set: the sender's own text, or brown or a task
  if (dataFile !== null && given.has('data')) {
    given.delete('data');
    problems.push({ key: 'data', message: `conflicts with dataFile=${shown(dataFile)} (a link names one data set)` });
  }
  return { given, hidden, lesson, dataFile, problems };
}

/** Lower case without '-' and '_', to suggest microBatch for micro-batch or Devices. */
const loose = (k: string) => k.toLowerCase().replace(/[-_]/g, '');
const SUGGEST = new Map([...SETTINGS.values()].map((k) => [loose(k), k]));

function unknownKeyMessage(key: string): string {
  if (key === 'version') return 'is not a link key (the version is written v=<version>)';
  if (key.endsWith('_hide')) return 'hides no setting';
  const near = SUGGEST.get(loose(key));
  return near ? `is not a setting (did you mean ${near}?)` : 'is not a setting';
}

/** Read a share link: a bare hash (`v=1&devices=4`), with its '#', or a whole address (what follows
 *  the first '#'). Never throws. A failure of the whole link (`not-text`, `too-long` over LINK_MAX_CHARS,
 *  `bad-version`, `newer-version`, `no-migration`) uses nothing of it; otherwise every bad part (broken
 *  escape, unknown or repeated key, bad value, a setting that breaks a cross-field rule, a missing `v`) is
 *  one LinkProblem and the config holds the default instead. `versioning` is this build's unless a test
 *  gives another. */
export function configFromLink(input: string, versioning: LinkVersioning = CURRENT_VERSIONING): LinkResult {
  if (typeof input !== 'string') return { ok: false, error: { code: 'not-text', message: 'a share link must be text' } };
  const hash = hashOf(input);
  if (hash.length > LINK_MAX_CHARS) {
    return { ok: false, error: { code: 'too-long', message: `the link's settings have ${hash.length} characters, more than the ${LINK_MAX_CHARS} a link may have` } };
  }
  const split = splitPairs(hash);
  if (split.problems.some((p) => p.key === 'v')) return { ok: false, error: { code: 'bad-version', message: 'v has a value that is not valid percent-encoding' } };
  const version = versionOf(split.pairs, versioning.current);
  if ('code' in version) return { ok: false, error: version };
  const pairs = migratePairs(split.pairs.filter(([k]) => k !== 'v'), version.version, versioning);
  if ('code' in pairs) return { ok: false, error: pairs };

  const read = readPairs(pairs);
  const { cfg, kept, dropped } = resolveNamed(read.given);
  const problems: LinkProblem[] = [];
  const instead = (key: string): LinkProblem['usedInstead'] => {
    const k = settingOf(key);
    return k ? cfg[k] : key.endsWith('_hide') && settingOf(key.slice(0, -'_hide'.length)) ? 0 : null;
  };
  if (version.missing && split.pairs.length + split.problems.length > 0) problems.push({ key: 'v', message: 'is missing', usedInstead: versioning.current });
  for (const p of [...split.problems, ...read.problems, ...dropped]) problems.push({ ...p, usedInstead: instead(p.key) });
  const given = [...SETTINGS.values()].filter((k) => kept.has(k));
  return { ok: true, cfg, hidden: read.hidden, lesson: read.lesson, dataFile: read.dataFile, given, problems };
}

/** One line for a problem, e.g. `devices: must be an integer in [1, 8], got 99; used 1 instead`, or
 *  `lrr: is not a setting; ignored`. */
export function describeProblem(p: LinkProblem): string {
  const k = settingOf(p.key);
  const value = p.usedInstead === null ? 'none' : k ? formatValue(k, p.usedInstead as RunConfig[SettingKey]) : String(p.usedInstead);
  return `${p.key}: ${p.message}; ${k || p.usedInstead !== null ? `used ${value} instead` : 'ignored'}`;
}
