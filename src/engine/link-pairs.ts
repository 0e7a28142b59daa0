// A link's text as key/value pairs, and its version: where the hash starts, the size limit, splitting on
// '&' and '=', percent-decoding, `v=<version>` and the upgrade of older versions through a migration
// table (zustand persist's version + migrate, applied to the pairs before any value is read).

import { CONFIG_VERSION } from './config';
import { shown, unescapeText } from './link-values';

/** Most characters a link's settings (the text after '#') may have: a link made from a valid config is
 *  a few hundred; the cap bounds the work on hostile input. */
export const LINK_MAX_CHARS = 4096;

/** One decoded `key=value`; value null when the pair has no '='. */
export type LinkPair = readonly [key: string, value: string | null];

/** Upgrade of a link's pairs by one version (from the version it is filed under, to the next). */
export type LinkMigration = (pairs: LinkPair[]) => LinkPair[];

/** The versions a build reads: the current one, and one migration per older version. */
export interface LinkVersioning {
  current: number;
  migrations: Readonly<Record<number, LinkMigration>>;
}

/** Migrations of links by version: LINK_MIGRATIONS[n] turns version-n pairs into version n+1 pairs.
 *  Empty: version 1 is the first. A change of RunConfig that bumps CONFIG_VERSION adds one here. */
export const LINK_MIGRATIONS: Readonly<Record<number, LinkMigration>> = Object.freeze({});

/** This build's versioning. */
export const CURRENT_VERSIONING: LinkVersioning = { current: CONFIG_VERSION, migrations: LINK_MIGRATIONS };

/** Why a link cannot be read at all. */
export type LinkFailureCode = 'not-text' | 'too-long' | 'bad-version' | 'newer-version' | 'no-migration';

/** A link that cannot be salvaged: nothing of it is used. */
export interface LinkFailure {
  code: LinkFailureCode;
  message: string;
}

/** A part of the link that was skipped while splitting, with why. */
export interface SplitProblem {
  key: string;
  message: string;
}

/** A key as it appears in a message: cut at 40 characters. */
export const clipKey = (k: string): string => (k.length > 40 ? `${k.slice(0, 40)}…` : k);

/** The settings part of a link: what follows the first '#'; without '#', the whole text unless it is an
 *  address (`scheme://...`, which then carries no settings). */
export function hashOf(input: string): string {
  const at = input.indexOf('#');
  if (at >= 0) return input.slice(at + 1);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? '' : input;
}

/** Pairs of a link's settings text in order. Empty parts ('a=1&&b=2', a trailing '&') carry nothing and
 *  are skipped; a part whose escapes are broken is skipped with a problem. */
export function splitPairs(hash: string): { pairs: LinkPair[]; problems: SplitProblem[] } {
  const pairs: LinkPair[] = [];
  const problems: SplitProblem[] = [];
  for (const part of hash.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const key = unescapeText(rawKey);
    const value = eq < 0 ? null : unescapeText(part.slice(eq + 1));
    if (key === null) problems.push({ key: clipKey(rawKey), message: 'is not valid percent-encoding' });
    else if (eq >= 0 && value === null) problems.push({ key: clipKey(key), message: `has a value that is not valid percent-encoding: ${shown(part.slice(eq + 1))}` });
    else pairs.push([key, value]);
  }
  return { pairs, problems };
}

/** The version a link states, or a failure; `missing` when it states none (then read as current). */
export function versionOf(pairs: LinkPair[], current: number): { version: number; missing: boolean } | LinkFailure {
  const vs = pairs.filter(([k]) => k === 'v');
  if (vs.length === 0) return { version: current, missing: true };
  if (vs.length > 1) return { code: 'bad-version', message: `v is given ${vs.length} times` };
  const text = vs[0][1] ?? '';
  if (!/^[1-9]\d*$/.test(text)) return { code: 'bad-version', message: `v must be a settings version (a whole number from 1), got ${shown(text)}` };
  const version = Number(text);
  if (version > current) return { code: 'newer-version', message: `the link is for settings version ${shown(text)}; this build reads versions up to ${current}` };
  return { version, missing: false };
}

/** Pairs of version `from` upgraded to `versioning.current`, one migration at a time; a failure when a
 *  step is missing. */
export function migratePairs(pairs: LinkPair[], from: number, versioning: LinkVersioning): LinkPair[] | LinkFailure {
  let out = pairs;
  for (let v = from; v < versioning.current; v++) {
    if (!Object.hasOwn(versioning.migrations, v)) {
      return { code: 'no-migration', message: `the link is for settings version ${from}, which this build no longer reads (no upgrade from ${v} to ${v + 1})` };
    }
    out = versioning.migrations[v](out);
  }
  return out;
}
