// Cross-field rules over the settings a link names. Each value has already passed its own field; what is
// left are the schema's rules between fields (nEmbd divisible by nHead, warmup <= steps, peers for
// zero/compress/links, ranks < devices, ...). Settings are dropped back to their defaults one at a time,
// each with the rule it broke, until the rules hold; with nothing named the defaults hold, so this ends.
// Cost: one schema parse per turn, plus up to one per named setting when the rule names an unnamed one.

import { derivedDefaults, RunConfigSchema, type RunConfig } from './config';
import { SETTINGS, type SettingKey } from './link-values';

/** A named setting dropped by a cross-field rule, with the rule's message. */
export interface Dropped {
  key: SettingKey;
  message: string;
}

type Named = ReadonlyMap<SettingKey, unknown>;
type Check = ReturnType<typeof RunConfigSchema.safeParse>;

/** Parse the named settings as parseConfig would: derived defaults, then the schema. */
export function checkNamed(named: Named): Check {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of named) raw[k] = v; // keys are SettingKeys only, never '__proto__'
  return RunConfigSchema.safeParse(derivedDefaults(raw));
}

/** The first failed rule as "key\0message", to see whether dropping a setting changes it. */
const firstIssue = (r: Check): string | null => (r.success ? null : `${String(r.error.issues[0].path[0] ?? '')}\0${r.error.issues[0].message}`);

/** The named setting to drop for the first failed rule: the setting the rule names if dropping it changes
 *  the outcome, else the last named setting (schema order) whose dropping does. A rule may name a setting
 *  the link did not set, e.g. `devices` (default 1) for zero=1, or `nEmbd` (default 64) for nHead=5. */
function culprit(named: Named, at: string, issue: string): SettingKey {
  const order = [...SETTINGS.values()].filter((k) => named.has(k)).reverse();
  const candidates = [...order.filter((k) => k === at), ...order.filter((k) => k !== at)];
  for (const k of candidates) {
    const without = new Map(named);
    without.delete(k);
    if (firstIssue(checkNamed(without)) !== issue) return k;
  }
  return candidates[0];
}

/** A valid config from individually valid named settings, and the settings dropped on the way. */
export function resolveNamed(given: Named): { cfg: RunConfig; kept: Map<SettingKey, unknown>; dropped: Dropped[] } {
  const kept = new Map(given);
  const dropped: Dropped[] = [];
  for (;;) {
    const r = checkNamed(kept);
    if (r.success) return { cfg: r.data, kept, dropped };
    if (kept.size === 0) throw new Error('the default settings break a rule of the schema'); // a bug in config.ts
    const issue = r.error.issues[0];
    const at = String(issue.path[0] ?? '');
    const key = culprit(kept, at, firstIssue(r)!);
    kept.delete(key);
    dropped.push({ key, message: key === at ? issue.message : `conflicts with ${at}: ${issue.message}` });
  }
}
