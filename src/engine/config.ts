// The run settings: ONE typed, versioned, serialisable object shared by the CLI, the UI/URL and checkpoints.
// Every field has a default and a range; cross-field rules give specific messages. Units: lr per step,
// bucketMb in MiB, linkBw in GB/s (0 = unlimited), linkLatency in ms, steps = optimizer steps.
// Legend: N = devices, B = micro-batch, K = accumulation steps, G = N*B*K sequences per step, T = blockSize.

import { z } from 'zod';

export const CONFIG_VERSION = 1;

const int = (lo: number, hi: number, d: number, help: string) =>
  z.number({ error: `must be an integer in [${lo}, ${hi}]` }).int(`must be an integer in [${lo}, ${hi}]`)
    .min(lo, `must be an integer in [${lo}, ${hi}]`).max(hi, `must be an integer in [${lo}, ${hi}]`).default(d).describe(help);
const num = (lo: number, hi: number, d: number, help: string, openHi = false) => {
  const msg = `must be a number in [${lo}, ${hi}${openHi ? ')' : ']'}`;
  const base = z.number({ error: msg }).min(lo, msg);
  return (openHi ? base.lt(hi, msg) : base.max(hi, msg)).default(d).describe(help);
};
const oneOf = <T extends readonly [string, ...string[]]>(values: T, d: T[number], help: string) =>
  z.enum(values, { error: `must be one of ${values.join('|')}` }).default(d as never).describe(help);

/** "RANK:FACTOR" (a straggler) or an object; null = none. */
const SLOW_MSG = 'must be RANK:FACTOR, e.g. 1:2 (rank in [0, 7], factor in [1, 100])';
const SlowDevice = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+:[^:]+$/.test(v.trim()) ? { rank: Number(v.split(':')[0]), factor: Number(v.split(':')[1]) } : v),
  z.object({ rank: z.number({ error: SLOW_MSG }).int(SLOW_MSG).min(0, SLOW_MSG).max(7, SLOW_MSG), factor: z.number({ error: SLOW_MSG }).min(1, SLOW_MSG).max(100, SLOW_MSG) }, { error: SLOW_MSG }).nullable(),
);
/** "RANK@STEP" or "RANK@STEP:allreduce" (fault injection: before that step, or inside its first
 *  allreduce) or an object; null = none. */
const KILL_MSG = 'must be RANK@STEP or RANK@STEP:allreduce, e.g. 1@50 (rank in [0, 7], step >= 1)';
const KillDevice = z.preprocess(
  (v) => {
    const m = typeof v === 'string' ? /^(\d+)@(\d+)(:allreduce)?$/.exec(v.trim()) : null;
    return m ? { rank: Number(m[1]), step: Number(m[2]), ...(m[3] ? { phase: 'allreduce' } : {}) } : v;
  },
  z.object({
    rank: z.number({ error: KILL_MSG }).int(KILL_MSG).min(0, KILL_MSG).max(7, KILL_MSG),
    step: z.number({ error: KILL_MSG }).int(KILL_MSG).min(1, KILL_MSG),
    phase: z.literal('allreduce', { error: KILL_MSG }).optional(),
  }, { error: KILL_MSG }).strict().nullable(),
);

const fields = {
  version: z.literal(CONFIG_VERSION, { error: `must be ${CONFIG_VERSION}` }).default(CONFIG_VERSION).describe('settings format version'),
  // parallelism and batch
  devices: int(1, 8, 1, 'simulated devices (one worker each)'),
  microBatch: int(1, 512, 8, 'sequences per device per micro-step'),
  accum: int(1, 256, 1, 'micro-steps accumulated per optimizer step'),
  steps: int(1, 1_000_000, 300, 'total optimizer steps'),
  seed: int(0, 2 ** 32 - 1, 1337, 'seed for init, sampling and generation'),
  // optimizer
  optimizer: oneOf(['adamw', 'sgd'] as const, 'adamw', 'optimizer'),
  lr: num(0, 10, 2e-3, 'peak learning rate'),
  minLr: num(0, 10, 2e-4, 'learning-rate floor of the cosine schedules'),
  weightDecay: num(0, 10, 0.1, 'decoupled weight decay on 2-D weights'),
  momentum: num(0, 1, 0.9, 'SGD momentum (0 = plain SGD)', true),
  beta1: num(0, 1, 0.9, 'AdamW beta1', true),
  beta2: num(0, 1, 0.99, 'AdamW beta2', true),
  eps: num(1e-12, 1, 1e-8, 'AdamW epsilon'),
  clip: num(0, 1e6, 1.0, 'global-norm gradient clipping (0 = off)'),
  // schedule
  schedule: oneOf(['constant', 'cosine', 'cosine-restarts'] as const, 'cosine', 'learning-rate schedule'),
  warmup: int(0, 1_000_000, 20, 'linear warmup steps'),
  restartT0: int(1, 1_000_000, 100, 'first period of cosine-restarts, in steps'),
  restartMult: int(1, 16, 2, 'period multiplier after each restart'),
  // precision
  precision: oneOf(['fp32', 'fp16'] as const, 'fp32', 'fp32, or fp16 gradients with dynamic loss scaling'),
  lossScale: num(1, 2 ** 40, 2 ** 16, 'fp16: initial loss scale (GradScaler init_scale; too high overflows, then backs off)'),
  // model
  nLayer: int(1, 48, 2, 'transformer blocks'),
  nHead: int(1, 64, 4, 'attention heads'),
  nEmbd: int(4, 2048, 64, 'embedding channels'),
  blockSize: int(2, 2048, 64, 'context length in tokens'),
  data: z.string({ error: 'must be a file path or a task name' }).min(1, 'must not be empty').default('brown').describe('brown, copy, reverse, add[N] or a text file'),
  // distribution
  allreduce: oneOf(['ring', 'naive', 'tree'] as const, 'ring', 'allreduce algorithm'),
  bucketMb: num(0.001, 1024, 25, 'gradient bucket cap in MiB'),
  compress: oneOf(['none', 'fp16'] as const, 'none', 'gradient compression in transit'),
  zero: z.union([z.literal(0), z.literal(1)], { error: 'must be 0 or 1' }).default(0).describe('ZeRO stage (1 = shard optimizer state)'),
  linkBw: num(0, 1000, 0, 'simulated link bandwidth in GB/s (0 = unlimited)'),
  linkLatency: num(0, 10_000, 0, 'simulated link latency in ms'),
  slowDevice: SlowDevice.default(null).describe('straggler RANK:FACTOR'),
  backend: oneOf(['cpu', 'webgpu', 'auto'] as const, 'cpu', 'compute backend'),
  // persistence, evaluation, faults
  checkpointEvery: int(0, 1_000_000, 0, 'checkpoint every M steps (0 = off)'),
  keep: int(1, 1000, 3, 'checkpoints kept'),
  evalEvery: int(0, 1_000_000, 50, 'validation loss every N steps (0 = only at the end)'),
  evalWindows: int(1, 4096, 32, 'fixed validation windows'),
  emaDecay: num(0, 1, 0, 'weight EMA decay (0 = off)', true),
  killDevice: KillDevice.default(null).describe('fault injection: end that device\'s worker at RANK@STEP[:allreduce]'),
  recovery: oneOf(['restart', 'elastic'] as const, 'restart', 'after a device failure: restart all from the last checkpoint, or go on without it'),
  maxRestarts: int(0, 100, 3, 'recoveries allowed before the run fails'),
  timeout: num(0.1, 3600, 5, 'collective timeout in seconds: a device silent this long is declared failed'),
};

/** The run settings schema: defaults, ranges and cross-field rules. */
export const RunConfigSchema = z.object(fields).strict().superRefine((c, ctx) => {
  // `also`: the other settings the rule is about; a form shows the message at each (a user who just
  // changed nHead looks for it there), the CLI names the first one only
  const bad = (path: keyof RunConfig, message: string, also: (keyof RunConfig)[] = []) => ctx.addIssue({ code: 'custom', path: [path], message, params: { also } });
  if (c.nEmbd % c.nHead !== 0) bad('nEmbd', `${c.nEmbd} is not divisible by nHead ${c.nHead}`, ['nHead']);
  // fp16 gradients are packed two halves per 32-bit word, and every parameter's size is a multiple of nEmbd
  if (c.precision === 'fp16' && c.nEmbd % 2 !== 0) bad('nEmbd', `${c.nEmbd} is odd; fp16 precision needs an even nEmbd (gradients are stored two per 32-bit word)`);
  if (c.schedule !== 'constant' && c.minLr > c.lr) bad('minLr', `${c.minLr} is above lr ${c.lr}`, ['lr']);
  if (c.warmup > c.steps) bad('warmup', `${c.warmup} steps is longer than the run (${c.steps} steps)`, ['steps']);
  if (c.devices === 1) {
    // one device has no peers: these would silently do nothing
    const peerOnly = [c.zero === 1 && 'zero', c.compress !== 'none' && 'compress', c.linkBw > 0 && 'linkBw', c.linkLatency > 0 && 'linkLatency', c.slowDevice && 'slowDevice'].filter(Boolean);
    if (peerOnly.length) bad('devices', `${peerOnly.join(', ')} need 2 or more devices (one device has no peers to talk to or wait for)`);
  }
  if (c.slowDevice && c.slowDevice.rank >= c.devices) bad('slowDevice', `rank ${c.slowDevice.rank} does not exist with ${c.devices} device(s)`);
  if (c.killDevice && c.killDevice.rank >= c.devices) bad('killDevice', `rank ${c.killDevice.rank} does not exist with ${c.devices} device(s)`);
  if (c.killDevice && c.killDevice.step > c.steps) bad('killDevice', `step ${c.killDevice.step} is after the last step ${c.steps}`);
  if (c.recovery === 'elastic' && c.killDevice && c.devices < 2) bad('recovery', 'elastic recovery needs at least 2 devices');
  if (c.killDevice && c.killDevice.phase === 'allreduce' && c.devices < 2) bad('killDevice', 'one device has no allreduce to be killed in');
});

export type RunConfig = z.output<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type ConfigKey = keyof typeof fields;

/** A decimal number typed by a person ("12", "-0.5", "3e-4"), or NaN for anything else: Number() would
 *  also take "0x10", "0b11" or "Infinity", which no setting means. */
export function parseDecimal(text: string): number {
  const t = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
}

/** Names of all settings, in schema order. */
export const configKeys = Object.keys(fields) as ConfigKey[];

/** One-line help for a setting. */
export const describeKey = (k: ConfigKey): string => fields[k].description ?? k;

/** Thrown for invalid settings; `issues` are "key: message" lines. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('; '));
    this.name = 'ConfigError';
  }
}

/** Upgrade an older settings object to CONFIG_VERSION (no older versions exist yet). */
export function migrateConfig(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const v = (raw as { version?: unknown }).version;
  if (v !== undefined && typeof v === 'number' && v > CONFIG_VERSION) {
    throw new ConfigError([`version: ${v} is newer than this build understands (${CONFIG_VERSION})`]);
  }
  return raw;
}

/** Defaults that follow other settings when those are given and these are not: warmup never longer than
 *  the run, and the cosine floor a tenth of the peak lr (as the fixed defaults 20 and 2e-4 are for 300
 *  steps at 2e-3), so `--steps 5` or `--lr 1e-4` alone are valid runs. Exported for share links, which
 *  must decode exactly as parseConfig does. */
export function derivedDefaults(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const r = raw as Record<string, unknown>;
  const out = { ...r };
  if (r.warmup === undefined && typeof r.steps === 'number' && r.steps >= 0) out.warmup = Math.min(20, Math.floor(r.steps));
  if (r.minLr === undefined && typeof r.lr === 'number' && r.lr >= 0) out.minLr = r.lr / 10;
  return out;
}

/** Validate (and default) settings; throws ConfigError with specific messages. */
export function parseConfig(raw: unknown): RunConfig {
  const r = RunConfigSchema.safeParse(derivedDefaults(migrateConfig(raw ?? {})));
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => {
    const key = String(i.path[0] ?? 'config'); // slowDevice.factor is reported as slowDevice: one setting
    if (i.code === 'unrecognized_keys') return `unknown setting(s): ${i.keys.join(', ')}`;
    if (i.code === 'invalid_type' && i.path.length === 0) return 'config: must be a JSON object';
    return `${key}: ${i.message}`;
  }));
}

/** The defaults as a full config. */
export const defaultConfig = (): RunConfig => parseConfig({});

/** The model shape implied by the settings (vocabulary size comes from the data). */
export function modelConfigOf(c: RunConfig, vocabSize: number) {
  return { vocabSize, blockSize: c.blockSize, nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd };
}

/** Global batch in sequences: devices x micro-batch x accumulation. */
export const globalBatch = (c: Pick<RunConfig, 'devices' | 'microBatch' | 'accum'>): number => c.devices * c.microBatch * c.accum;
