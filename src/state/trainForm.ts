// The Train panel's settings: the few RunConfig fields the page exposes, kept as the strings the user
// typed, and their validation through the shared RunConfig schema (its messages, by field). Settings the
// page does not expose are fixed here (evaluation cadence) or take the schema's defaults.
// Pure: no React, no DOM. Legend: N = devices, B = micro-batch, K = accum, T = block size.
import { migrateConfig, parseDecimal, RunConfigSchema, type RunConfig, type RunConfigInput } from '../engine/config';

export type FieldKey = 'devices' | 'microBatch' | 'accum' | 'allreduce' | 'backend' | 'steps' | 'warmup' | 'lr' | 'data' | 'nLayer' | 'nHead' | 'nEmbd' | 'blockSize';

export interface FieldSpec {
  key: FieldKey;
  /** The command-line flag's name, so the page and `npm run train` read alike. */
  label: string;
  kind: 'int' | 'number' | 'choice';
  options?: readonly string[];
}

/** Data sets the page can load: synthetic tasks generated in code, and the Brown corpus asset. */
export const DATA_CHOICES = ['brown', 'copy', 'reverse', 'add2', 'add3'] as const;

/** The exposed settings, in groups (one fieldset each). */
export const FIELD_GROUPS: { title: string; fields: FieldSpec[] }[] = [
  {
    title: 'Devices',
    fields: [
      { key: 'devices', label: 'devices', kind: 'int' },
      { key: 'allreduce', label: 'allreduce', kind: 'choice', options: ['ring', 'naive', 'tree'] },
      { key: 'microBatch', label: 'micro-batch', kind: 'int' },
      { key: 'accum', label: 'accum', kind: 'int' },
      { key: 'backend', label: 'backend', kind: 'choice', options: ['auto', 'cpu', 'webgpu'] },
    ],
  },
  {
    title: 'Training',
    fields: [
      { key: 'data', label: 'data', kind: 'choice', options: DATA_CHOICES },
      { key: 'steps', label: 'steps', kind: 'int' },
      { key: 'warmup', label: 'warmup', kind: 'int' },
      { key: 'lr', label: 'lr', kind: 'number' },
    ],
  },
  {
    title: 'Model',
    fields: [
      { key: 'nLayer', label: 'n-layer', kind: 'int' },
      { key: 'nHead', label: 'n-head', kind: 'int' },
      { key: 'nEmbd', label: 'n-embd', kind: 'int' },
      { key: 'blockSize', label: 'block-size', kind: 'int' },
    ],
  },
];

export type FormValues = Record<FieldKey, string>;
/** Messages by field; `config` holds issues of settings the form does not show. */
export type FormErrors = Partial<Record<FieldKey | 'config', string>>;

/** A quick first run (~20 s on a 2-core machine): English text, where the loss visibly falls (val ~4.4 -> ~2.7). */
export const DEFAULT_FORM: FormValues = {
  devices: '4', allreduce: 'ring', microBatch: '4', accum: '1', backend: 'auto',
  data: 'brown', steps: '150', warmup: '10', lr: '0.003',
  nLayer: '2', nHead: '4', nEmbd: '64', blockSize: '32',
};

const isField = (k: string): k is FieldKey => FIELD_GROUPS.some((g) => g.fields.some((f) => f.key === k));

/** A typed number field as a number: blank or junk becomes NaN so the schema reports it (never a default). */
function toNumber(s: string): number {
  return parseDecimal(s);
}

/** The settings object the form describes (not yet validated). */
export function formToInput(v: FormValues): RunConfigInput {
  const num = (k: FieldKey) => toNumber(v[k]);
  const steps = num('steps');
  return {
    devices: num('devices'), microBatch: num('microBatch'), accum: num('accum'),
    allreduce: v.allreduce as RunConfig['allreduce'],
    steps, warmup: num('warmup'), lr: num('lr'),
    // the cosine floor follows lr down, so a small lr is not rejected for being below the default floor
    minLr: Number.isFinite(num('lr')) && num('lr') >= 0 ? num('lr') / 10 : undefined,
    data: v.data,
    nLayer: num('nLayer'), nHead: num('nHead'), nEmbd: num('nEmbd'), blockSize: num('blockSize'),
    // auto: the faster backend as measured at page load (the CPU on a software adapter)
    backend: v.backend as RunConfig['backend'],
    // about ten validation points per run
    evalEvery: Number.isInteger(steps) && steps > 0 ? Math.max(1, Math.round(steps / 10)) : undefined,
    evalWindows: 16,
  };
}

export type Validated = { ok: true; cfg: RunConfig } | { ok: false; errors: FormErrors };

/** Validate through the RunConfig schema; each issue is placed next to the field it names. */
export function validateForm(v: FormValues): Validated {
  const r = RunConfigSchema.safeParse(migrateConfig(formToInput(v)));
  if (r.success) return { ok: true, cfg: r.data };
  const errors: FormErrors = {};
  for (const i of r.error.issues) {
    const k = String(i.path[0] ?? '');
    const slot = isField(k) ? k : 'config';
    const msg = slot === 'config' ? `${k || 'config'}: ${i.message}` : i.message;
    errors[slot] = errors[slot] ? `${errors[slot]}; ${msg}` : msg;
  }
  return { ok: false, errors };
}
