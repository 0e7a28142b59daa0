// The settings the page shows, as one table: every setting of `npm run train`, each with its command-line
// name as the control's label and accessible name, its kind, and whether it sits in front or under
// "advanced". Pure data.
// Legend: N = devices, B = micro-batch, K = accumulation steps, T = block size.
import type { ConfigKey } from '../engine/config';

export type FieldKey = Exclude<ConfigKey, 'version'>;

export interface FieldSpec {
  key: FieldKey;
  /** The command-line flag's name (without --): the control's label and accessible name. */
  label: string;
  kind: 'int' | 'number' | 'choice' | 'text';
  options?: readonly string[];
  /** Shown greyed in an empty field: what an empty field means (e.g. "lr / 10"). */
  placeholder?: string;
}

export interface FieldGroup {
  title: string;
  advanced: boolean;
  fields: FieldSpec[];
}

/** Data sets the page can load: synthetic tasks generated in code, and the Brown corpus asset. */
export const DATA_CHOICES = ['brown', 'copy', 'reverse', 'add2', 'add3'] as const;

const f = (key: FieldKey, label: string, kind: FieldSpec['kind'], more: Partial<FieldSpec> = {}): FieldSpec => ({ key, label, kind, ...more });

/** Every exposed setting, in groups (one fieldset each): the common ones first, then the advanced ones. */
export const FIELD_GROUPS: FieldGroup[] = [
  {
    title: 'Devices',
    advanced: false,
    fields: [
      f('devices', 'devices', 'int'),
      f('allreduce', 'allreduce', 'choice', { options: ['ring', 'naive', 'tree'] }),
      f('microBatch', 'micro-batch', 'int'),
      f('accum', 'accum', 'int'),
      f('backend', 'backend', 'choice', { options: ['auto', 'cpu', 'webgpu'] }),
    ],
  },
  {
    title: 'Training',
    advanced: false,
    fields: [
      f('data', 'data', 'choice', { options: DATA_CHOICES }),
      f('steps', 'steps', 'int'),
      f('lr', 'lr', 'number'),
      f('warmup', 'warmup', 'int'),
      f('schedule', 'schedule', 'choice', { options: ['cosine', 'constant', 'cosine-restarts'] }),
      f('precision', 'precision', 'choice', { options: ['fp32', 'fp16'] }),
    ],
  },
  {
    title: 'Model',
    advanced: false,
    fields: [
      f('nLayer', 'n-layer', 'int'),
      f('nHead', 'n-head', 'int'),
      f('nEmbd', 'n-embd', 'int'),
      f('blockSize', 'block-size', 'int'),
    ],
  },
  {
    title: 'Optimizer',
    advanced: true,
    fields: [
      f('optimizer', 'optimizer', 'choice', { options: ['adamw', 'sgd'] }),
      f('clip', 'clip', 'number'),
      f('weightDecay', 'weight-decay', 'number'),
      f('minLr', 'min-lr', 'number', { placeholder: 'lr / 10' }),
      f('beta1', 'beta1', 'number'),
      f('beta2', 'beta2', 'number'),
      f('eps', 'eps', 'number'),
      f('momentum', 'momentum', 'number'),
      f('restartT0', 'restart-t0', 'int'),
      f('restartMult', 'restart-mult', 'int'),
      f('emaDecay', 'ema-decay', 'number'),
      f('lossScale', 'loss-scale', 'number'),
      f('seed', 'seed', 'int'),
    ],
  },
  {
    title: 'Communication',
    advanced: true,
    fields: [
      f('bucketMb', 'bucket-mb', 'number'),
      f('compress', 'compress', 'choice', { options: ['none', 'fp16'] }),
      f('zero', 'zero', 'choice', { options: ['0', '1'] }),
      f('linkBw', 'link-bw', 'number'),
      f('linkLatency', 'link-latency', 'number'),
      f('slowDevice', 'slow-device', 'text', { placeholder: 'RANK:FACTOR, e.g. 1:3' }),
    ],
  },
  {
    title: 'Evaluation, checkpoints, faults',
    advanced: true,
    fields: [
      f('evalEvery', 'eval-every', 'int', { placeholder: 'steps / 10' }),
      f('evalWindows', 'eval-windows', 'int'),
      f('checkpointEvery', 'checkpoint-every', 'int'),
      f('keep', 'keep', 'int'),
      f('timeout', 'timeout', 'number'),
      f('recovery', 'recovery', 'choice', { options: ['restart', 'elastic'] }),
      f('maxRestarts', 'max-restarts', 'int'),
      f('killDevice', 'kill-device', 'text', { placeholder: 'RANK@STEP, e.g. 1@20' }),
    ],
  },
];

export const FIELDS: FieldSpec[] = FIELD_GROUPS.flatMap((g) => g.fields);
export const FIELD_KEYS: FieldKey[] = FIELDS.map((s) => s.key);
export const isField = (k: string): k is FieldKey => FIELD_KEYS.includes(k as FieldKey);
