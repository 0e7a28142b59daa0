// Command-line flags -> RunConfig: `--micro-batch 8` sets microBatch; every setting of the schema is a
// kebab-case flag, validated by the same zod schema as the UI and checkpoints. `--config FILE|link`
// supplies a base (a JSON file, or a share link read by the engine's link codec); flags override it.
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, configKeys, describeKey, parseConfig, parseDecimal, type ConfigKey, type RunConfig } from '../engine/config';
import { configFromLink } from '../engine/link';

/** A mistake in the user's flags or files: reported as one line, exit code 2. */
export class UserError extends Error {
  override name = 'UserError';
}

const STRING_KEYS = new Set<ConfigKey>(['data', 'optimizer', 'schedule', 'precision', 'allreduce', 'compress', 'backend', 'recovery', 'slowDevice', 'killDevice']);
const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const flagToKey = new Map(configKeys.filter((k) => k !== 'version').map((k) => [kebab(k), k]));
/** Every setting's flag takes a value. */
const SETTING_FLAGS = Object.fromEntries([...flagToKey.keys()].map((f) => [f, true]));

/** A flag's text as the value the schema expects (numbers stay strings when they do not parse, so the
 *  schema names the problem). */
function value(key: ConfigKey, text: string): unknown {
  if (STRING_KEYS.has(key)) return text;
  const n = parseDecimal(text);
  return Number.isNaN(n) ? text : n;
}

export interface CliOptions<Extra extends string> {
  config: RunConfig;
  extra: Partial<Record<Extra, string | true>>;
}

/** The settings a share link sets. A headless run is meant to be reproducible, so a link with any problem
 *  is refused (every bad key named on one line) instead of run with defaults put in; hidden controls and
 *  the lesson only concern the page. A link that trained on the sender's own text (`dataFile`) runs only
 *  with `--data FILE`: the text is not in the link. */
function linkConfig(link: string, dataFlag: boolean): Record<string, unknown> {
  const r = configFromLink(link);
  if (!r.ok) throw new UserError(`--config: ${r.error.message}`);
  if (r.problems.length > 0) {
    const list = r.problems.map((p) => `${p.key}: ${p.message}`).join('; ');
    throw new UserError(`--config: the link has ${r.problems.length === 1 ? 'a problem' : `${r.problems.length} problems`}: ${list}`);
  }
  if (r.dataFile !== null && !dataFlag) {
    throw new UserError(`--config: the link trains on the sender's own text ${JSON.stringify(r.dataFile)}, which a link does not carry; give that text with --data FILE`);
  }
  return Object.fromEntries(r.given.map((k) => [k, r.cfg[k]]));
}

/** Settings from --config (file or share link); `dataFlag`: --data is given on the command line. */
function baseConfig(src: string, dataFlag: boolean): Record<string, unknown> {
  if (src.includes('#') && !existsSync(src)) return linkConfig(src, dataFlag);
  const text = readOptionFile('--config', src).toString('utf8');
  try {
    const j = JSON.parse(text);
    if (j === null || typeof j !== 'object' || Array.isArray(j)) throw new Error();
    return j;
  } catch {
    throw new UserError(`--config: ${src} is not a JSON object`);
  }
}

/** The bytes of the file an option names; UserError `FLAG: cannot read FILE` when it cannot be read. */
export function readOptionFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new UserError(`${flag}: cannot read ${file}`);
  }
}

/** The value of option --name in argv (before any validation), or undefined. */
export function optionValue(argv: string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) v = argv[i + 1];
    else if (argv[i].startsWith(`--${name}=`)) v = argv[i].slice(name.length + 3);
  }
  return v; // the last, as readOptions reads a repeated option
}

/** argv as options, `--name value`, `--name=value` or `--switch`, by name. `spec`: every option's name
 *  and whether it takes a value; `usage` ends the message about an unknown option (e.g. `see --help`).
 *  Throws UserError naming the first bad argument. */
export function readOptions<const S extends Record<string, boolean>>(argv: string[], spec: S, usage: string): { [N in keyof S]?: S[N] extends true ? string : true } {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UserError(`unexpected argument '${arg}' (options start with --; ${usage})`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq), inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (!Object.hasOwn(spec, name)) throw new UserError(`unknown option --${name} (${usage})`);
    if (!spec[name] && inline !== undefined) throw new UserError(`option --${name} takes no value`);
    const v = spec[name] ? inline ?? argv[++i] : true;
    if (v === undefined || v === '') throw new UserError(`option --${name} needs a value`);
    out[name] = v;
  }
  return out as { [N in keyof S]?: S[N] extends true ? string : true };
}

/** Parse argv into a validated RunConfig plus command-specific options (`extraFlags`: name -> takes a
 *  value). Settings come from `under` (a checkpoint's, when resuming), then --config, then flags. */
export function parseCli<Extra extends string>(argv: string[], extraFlags: Record<Extra, boolean>, under: Record<string, unknown> = {}): CliOptions<Extra> {
  const { config: configSrc, ...given } = readOptions(argv, { ...SETTING_FLAGS, ...extraFlags, config: true }, 'see --help');
  const flags: Record<string, unknown> = {};
  const extra: Partial<Record<Extra, string | true>> = {};
  for (const [name, v] of Object.entries(given)) {
    const key = flagToKey.get(name);
    if (key) flags[key] = value(key, v as string);
    else extra[name as Extra] = v as string | true;
  }
  const base = configSrc ? baseConfig(configSrc as string, Object.hasOwn(flags, 'data')) : {};
  try {
    return { config: parseConfig({ ...under, ...base, ...flags }), extra };
  } catch (e) {
    if (e instanceof ConfigError) {
      // every problem, each under the flag that sets it, on one line
      // settings named inside a message too ("not divisible by nHead 5") are named as flags
      const flagOf = (key: string) => (flagToKey.has(kebab(key)) ? `--${kebab(key)}` : key);
      const asFlag = (issue: string) => {
        const key = issue.split(':')[0];
        return `${flagOf(key)}${issue.slice(key.length).replace(/\b[a-z]+[A-Z][A-Za-z]*\b/g, flagOf)}`;
      };
      throw new UserError(e.issues.map(asFlag).join('; '));
    }
    throw e;
  }
}

/** Help text listing every setting with its default. */
export function settingsHelp(): string {
  const d = parseConfig({});
  return configKeys.filter((k) => k !== 'version').map((k) => `  --${kebab(k).padEnd(18)} ${describeKey(k)} (default ${JSON.stringify(d[k])})`).join('\n');
}
