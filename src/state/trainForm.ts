// The settings form: the strings as typed for every field of formFields.ts, turned into a RunConfig and
// validated by the shared RunConfig schema, each message placed next to the field it names. Settings the
// page derives when left empty: min-lr (lr / 10, as the CLI derives it) and eval-every (about ten
// validation points per run). Pure: no React, no DOM.
// Legend: N = devices, B = micro-batch, K = accum, T = block size, G = N x B x K sequences per step.
import { defaultConfig, derivedDefaults, globalBatch, migrateConfig, parseDecimal, RunConfigSchema, type RunConfig, type RunConfigInput } from '../engine/config';
import { isTask } from '../engine/data/tasks';
import { FIELDS, isField, type FieldKey } from './formFields';
import { isOwnTextName } from './ownText';

export { FIELD_GROUPS, type FieldKey, type FieldSpec } from './formFields';

export type FormValues = Record<FieldKey, string>;
/** Messages by field; `config` holds any issue that names no field of the page (none is expected). */
export type FormErrors = Partial<Record<FieldKey | 'config', string>>;

/** A setting's value as the form shows it (null = empty field): slowDevice as RANK:FACTOR, killDevice as
 *  RANK@STEP[:allreduce], as the CLI flags write them. */
export function asText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  const o = v as { rank: number; factor?: number; step?: number; phase?: string };
  return o.step !== undefined ? `${o.rank}@${o.step}${o.phase ? `:${o.phase}` : ''}` : `${o.rank}:${o.factor}`;
}

/**
 * The page's first run: English text on 4 devices, ~30 s on a 2-core machine, where the loss falls
 * smoothly: lr 2e-3 with 30 warmup steps instead of 3e-3 with 10, which spiked above the starting loss
 * right after warmup (docs/playground.md, "Defaults", measured over five seeds). Every other setting
 * is the CLI's default.
 */
const PAGE_DEFAULTS: Partial<FormValues> = {
  devices: '4', microBatch: '4', backend: 'auto', steps: '150', warmup: '30', lr: '0.002', blockSize: '32',
  minLr: '', evalEvery: '', evalWindows: '16',
};

/** The form's text for a config: every field as typed, min-lr and eval-every left empty where the page
 *  would derive the same value (so they keep following lr and steps). */
export function formOfConfig(cfg: RunConfig): FormValues {
  const form = Object.fromEntries(FIELDS.map(({ key: k }) => [k, asText(cfg[k])])) as FormValues;
  if (cfg.minLr === cfg.lr / 10) form.minLr = '';
  if (cfg.evalEvery === Math.max(1, Math.round(cfg.steps / 10))) form.evalEvery = '';
  return form;
}

export const DEFAULT_FORM: FormValues = { ...formOfConfig(defaultConfig()), ...PAGE_DEFAULTS };

/** The settings object the form describes (not yet validated). Blank or junk numbers become NaN so the
 *  schema reports them (never a silent default), except for the derived fields. */
export function formToInput(v: FormValues): RunConfigInput {
  const out: Record<string, unknown> = {};
  for (const s of FIELDS) {
    const text = v[s.key] ?? '';
    if (s.kind === 'int' || s.kind === 'number' || s.key === 'zero') out[s.key] = parseDecimal(text);
    else if (s.kind === 'text') out[s.key] = text.trim() === '' ? null : text.trim(); // slowDevice, killDevice: empty is none
    else out[s.key] = text;
  }
  const steps = out.steps as number;
  if (v.evalEvery.trim() === '') out.evalEvery = Number.isInteger(steps) && steps > 0 ? Math.max(1, Math.round(steps / 10)) : undefined;
  // empty min-lr follows lr down as the CLI's does (derivedDefaults), so a small lr is not rejected for
  // being below the default floor
  if (v.minLr.trim() === '') out.minLr = undefined;
  return derivedDefaults(out) as RunConfigInput;
}

export type Validated = { ok: true; cfg: RunConfig } | { ok: false; errors: FormErrors };

/** Why the page cannot train on `data`, or null: the schema takes any file name, the page has the corpus
 *  asset, the synthetic tasks and the texts of one's own kept in this browser (`own`; null while unknown). */
export function dataProblem(data: string, own: readonly string[] | null): string | null {
  if (data === 'brown' || isTask(data) || own?.includes(data)) return null;
  if (!isOwnTextName(data)) return `'${data}' is not available in the browser (brown, copy, reverse, add1..add9, or a text of your own)`;
  if (own === null) return `looking for your text '${data}' in this browser…`;
  return `'${data}' is a text of your own that this browser does not have (a link names the text but never carries it): import ${data} under "Your own text" to train on it`;
}

/** Validate through the RunConfig schema; each issue is placed next to the field it names. `own`: the
 *  names of the texts of one's own this browser keeps (null while not yet read). */
export function validateForm(v: FormValues, own: readonly string[] | null = []): Validated {
  const r = RunConfigSchema.safeParse(migrateConfig(formToInput(v)));
  const problem = dataProblem(v.data, own);
  if (r.success && problem === null) return { ok: true, cfg: r.data };
  const errors: FormErrors = problem === null ? {} : { data: problem };
  if (r.success) return { ok: false, errors };
  for (const i of r.error.issues) {
    const k = String(i.path[0] ?? '');
    const slot = isField(k) ? k : 'config';
    const msg = slot === 'config' ? `${k || 'config'}: ${i.message}` : i.message;
    // a rule between fields is shown at each field it names (schema `params.also`) that is on the form
    const also = ((i as { params?: { also?: string[] } }).params?.also ?? []).filter(isField);
    for (const at of [slot, ...also] as (FieldKey | 'config')[]) if (!errors[at]?.split('; ').includes(msg)) errors[at] = errors[at] ? `${errors[at]}; ${msg}` : msg;
  }
  return { ok: false, errors };
}

/** "devices x micro-batch x accum = G sequences (G x T tokens) per step", from the typed values. */
export function batchSummary(v: FormValues): { N: number; B: number; K: number; G: number; tokens: number } | null {
  const [N, B, K, T] = [v.devices, v.microBatch, v.accum, v.blockSize].map(parseDecimal);
  if (![N, B, K, T].every((x) => Number.isInteger(x) && x > 0)) return null;
  const G = globalBatch({ devices: N, microBatch: B, accum: K });
  return { N, B, K, G, tokens: G * T };
}
