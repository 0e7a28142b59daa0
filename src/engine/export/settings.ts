// RunConfig -> the globals of nanoGPT's train.py, as one ordered table of {key, value, why}, rendered as
// the config file train.py execs (config/<name>.py). docs/export.md explains every row and what does
// not map. Legend: N = devices, B = micro-batch, K = accumulation steps, T = blockSize, S = steps.
//
// Batch: train.py runs gradient_accumulation_steps micro-batches of batch_size per iteration in ONE
// process, and under torchrun divides gradient_accumulation_steps by the world size (and asserts it
// divides). So batch_size = B and gradient_accumulation_steps = N*K: N processes x K micro-steps x B, or
// one process x N*K x B, both N*B*K sequences per step like ours, each loss a mean over G*T tokens.
// Schedule: nanoGPT's get_lr is ours (linear warmup lr*(it+1)/(warmup+1), then cosine from warmup to
// lr_decay_iters, then min_lr) when lr_decay_iters = S; `constant` is the same cosine from lr to lr.

import { globalBatch, type RunConfig } from '../config';
import { outDirOf } from './name';

export type PyValue = number | boolean | string;

export interface NanoGptEntry {
  key: string;
  value: PyValue;
  /** Python float: written with a decimal point, as train.py's configurator demands the type of an override to match */
  float?: boolean;
  why: string;
}

export interface NanoGptSettings {
  entries: NanoGptEntry[];
  /** What does not carry over for these settings (one sentence each). */
  notes: string[];
}

/** Fewest validation windows nanoGPT's estimate averages: its random windows then put the estimate's
 *  noise (~0.01 on the default model) well below the 0.05 one compares the two implementations by. */
export const MIN_EVAL_WINDOWS = 512;

/** The nanoGPT train.py settings that continue a run with settings `c` and vocabulary size `vocabSize`
 *  under the bundle name `name`. */
export function nanoGptSettings(c: RunConfig, name: string, vocabSize: number): NanoGptSettings {
  const float = (key: string, value: number, why: string): NanoGptEntry => ({ key, value, float: true, why });
  const v = (key: string, value: PyValue, why: string): NanoGptEntry => ({ key, value, why });
  const notes: string[] = [];
  if (c.schedule === 'cosine-restarts') notes.push('schedule cosine-restarts has no nanoGPT equivalent: nanoGPT continues with one cosine from the end of warmup to max_iters');
  if (c.emaDecay > 0) notes.push('the EMA weights are not carried over: nanoGPT keeps no EMA and continues from the raw weights');
  if (c.precision === 'fp16') notes.push("precision fp16 maps to dtype 'float16' (autocast and a GradScaler on CUDA); the loss scale is not carried over, nanoGPT's GradScaler starts at 65536");
  const entries: NanoGptEntry[] = [
    v('out_dir', outDirOf(name), 'to_nanogpt.py writes ckpt.pt here; train.py resumes from it and saves to it'),
    v('init_from', 'resume', 'continue the ringlab run from out_dir/ckpt.pt'),
    v('eval_interval', c.evalEvery > 0 ? c.evalEvery : c.steps, `ringlab evalEvery${c.evalEvery > 0 ? '' : ' (0: at the end)'}; nanoGPT also saves ckpt.pt at each evaluation`),
    v('eval_iters', Math.ceil(Math.max(c.evalWindows, MIN_EVAL_WINDOWS) / c.microBatch), `random batches per estimate: >= ${MIN_EVAL_WINDOWS} windows (ringlab: ${c.evalWindows} fixed windows)`),
    v('log_interval', 1, 'one line per step, as metrics.jsonl'),
    v('always_save_checkpoint', true, 'save at every evaluation, as ringlab saves on its cadence'),
    v('wandb_log', false, 'no logging service'),
    v('dataset', name, `data/${name}/: train.bin, val.bin and meta.pkl`),
    v('gradient_accumulation_steps', c.devices * c.accum, `devices x accum = ${c.devices} x ${c.accum}; train.py divides it by the torchrun world size`),
    v('batch_size', c.microBatch, `micro-batch; global batch ${globalBatch(c)} sequences`),
    v('block_size', c.blockSize, 'context length'),
    v('n_layer', c.nLayer, 'transformer blocks'),
    v('n_head', c.nHead, 'attention heads'),
    v('n_embd', c.nEmbd, `embedding channels (vocabulary ${vocabSize}, from the checkpoint)`),
    float('dropout', 0, 'ringlab has no dropout'),
    v('bias', true, 'ringlab has biases in Linear and LayerNorm layers'),
    float('learning_rate', c.lr, 'peak learning rate'),
    v('max_iters', c.steps, 'the run\'s total steps (train.py also runs iteration max_iters, after its last save)'),
    float('weight_decay', c.weightDecay, 'decoupled, on 2-D weights only in both'),
    float('beta1', c.beta1, 'AdamW'),
    float('beta2', c.beta2, `AdamW (eps ${c.eps} travels in ckpt.pt's optimizer state)`),
    float('grad_clip', c.clip, 'global-norm clipping (0.0 = off in both)'),
    v('decay_lr', true, c.schedule === 'constant' ? 'warmup, then a cosine from learning_rate to min_lr = learning_rate: constant' : 'warmup, then cosine'),
    v('warmup_iters', c.warmup, 'linear warmup, the same formula'),
    // at it = lr_decay_iters = warmup nanoGPT divides 0 by 0: only the extra iteration max_iters reaches it
    v('lr_decay_iters', Math.max(c.steps, c.warmup + 1), 'the cosine ends where the run ends'),
    float('min_lr', c.schedule === 'constant' ? c.lr : c.minLr, c.schedule === 'constant' ? 'constant schedule' : 'cosine floor'),
    v('dtype', c.precision === 'fp16' ? 'float16' : 'float32', c.precision === 'fp16' ? 'ringlab fp16: fp16 gradients with dynamic loss scaling' : 'ringlab fp32'),
  ];
  return { entries, notes };
}

/** A value as Python source: strings single-quoted, booleans True/False, floats with a decimal point
 *  (train.py's configurator asserts an override has the type of the value it replaces). */
export function pyLiteral(e: Pick<NanoGptEntry, 'value' | 'float'>): string {
  const x = e.value;
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  if (typeof x === 'string') return `'${x.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (!Number.isFinite(x)) throw new RangeError(`${x} has no Python literal here`);
  const s = String(x); // shortest round-trip decimal, also Python's float syntax ("0.003", "1e-8")
  return e.float && /^-?\d+$/.test(s) ? `${s}.0` : s;
}

/** The config file text for train.py: a header of comment lines, then one `key = value  # why` per entry. */
export function renderConfig(s: NanoGptSettings, header: string[]): string {
  const width = Math.max(...s.entries.map((e) => `${e.key} = ${pyLiteral(e)}`.length));
  const lines = s.entries.map((e) => `${`${e.key} = ${pyLiteral(e)}`.padEnd(width)}  # ${e.why}`);
  const notes = s.notes.map((n) => `# not carried over: ${n}`);
  return [...header.map((h) => `# ${h}`), ...notes, '', ...lines, ''].join('\n');
}
