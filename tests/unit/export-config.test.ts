// The nanoGPT config text for several settings: it parses as Python assignments of literals, it gives the
// same global batch under torchrun and in one process as train.py computes it, and nanoGPT's get_lr
// (transcribed from train.py) reproduces our schedule at every step of the run. Plus the commands.
// Legend: N = devices, B = micro-batch, K = accumulation steps.
import { describe, expect, it } from 'vitest';
import { parseConfig, type RunConfigInput } from '../../src/engine/config';
import { bundleName, checkName, cpuCommand, nanoGptSettings, pyLiteral, renderConfig, shellWord, torchrunCommand } from '../../src/engine/export';
import { lrAt } from '../../src/engine/optim/schedule';

type Py = number | boolean | string;

/** A config file as train.py's exec sees it: only `key = literal  # comment` lines and comments. */
function parsePy(text: string): Record<string, Py> {
  const out: Record<string, Py> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z_0-9]+) = ('(?:[^'\\]|\\.)*'|True|False|-?[0-9.]+(?:e[+-]?\d+)?)\s+# .+$/.exec(line);
    if (!m) throw new Error(`not a Python assignment of a literal: ${line}`);
    const v = m[2];
    out[m[1]] = v === 'True' ? true : v === 'False' ? false : v.startsWith("'") ? v.slice(1, -1) : Number(v);
  }
  return out;
}

const configOf = (over: RunConfigInput) => {
  const c = parseConfig(over);
  const text = renderConfig(nanoGptSettings(c, 'ringlab_test', 65), ['header']);
  return { c, text, py: parsePy(text) };
};

/** train.py's get_lr(it), transcribed (nanoGPT master: warmup (it+1)/(warmup_iters+1)). */
function nanoGptLr(py: Record<string, Py>, it: number): number {
  const [lr, warm, decayIters, minLr] = [py.learning_rate, py.warmup_iters, py.lr_decay_iters, py.min_lr] as number[];
  if (!py.decay_lr) return lr;
  if (it < warm) return (lr * (it + 1)) / (warm + 1);
  if (it > decayIters) return minLr;
  const ratio = (it - warm) / (decayIters - warm);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (lr - minLr);
}

describe('nanoGPT config', () => {
  it('parses, and the checker refuses what train.py could not exec (so the parse can fail)', () => {
    expect(() => parsePy("x = open('f')  # call")).toThrow(/not a Python assignment/);
    expect(() => parsePy('batch_size = 8')).toThrow(); // every line says why
    const { py } = configOf({});
    expect(py.init_from).toBe('resume');
    expect(py.dataset).toBe('ringlab_test');
    expect(py.out_dir).toBe('out-ringlab_test');
    expect(py).toMatchObject({ n_layer: 2, n_head: 4, n_embd: 64, block_size: 64, bias: true, dropout: 0, always_save_checkpoint: true, max_iters: 300 });
  });

  it.each([
    [{ devices: 1, microBatch: 8, accum: 1 }],
    [{ devices: 4, microBatch: 8, accum: 1 }],
    [{ devices: 2, microBatch: 4, accum: 3 }],
    [{ devices: 8, microBatch: 2, accum: 16 }],
  ])('global batch %o: batch_size x gradient_accumulation_steps, divided as train.py divides it', (split) => {
    const { c, py } = configOf(split);
    const G = c.devices * c.microBatch * c.accum;
    expect(py.batch_size).toBe(c.microBatch);
    for (const world of [1, c.devices]) {
      // train.py under DDP: assert gas % world == 0; gas //= world; each of `world` processes runs gas micro-batches
      const gas = py.gradient_accumulation_steps as number;
      expect(gas % world).toBe(0);
      expect((py.batch_size as number) * (gas / world) * world).toBe(G);
    }
    expect(torchrunCommand(c, 'ringlab_test')).toBe(`torchrun --standalone --nproc_per_node=${c.devices} train.py config/ringlab_test.py`);
  });

  it.each([
    [{ schedule: 'cosine', steps: 300, warmup: 20, lr: 3e-3, minLr: 3e-4 }],
    [{ schedule: 'cosine', steps: 50, warmup: 0, lr: 1e-3, minLr: 0 }],
    [{ schedule: 'constant', steps: 100, warmup: 10, lr: 1 }],
    [{ schedule: 'constant', steps: 40, warmup: 0, lr: 6e-4 }],
    [{ schedule: 'cosine', steps: 30, warmup: 30, lr: 2e-3 }],
  ] as RunConfigInput[][])('nanoGPT get_lr gives our learning rate at every step of %o', (over) => {
    const { c, py } = configOf(over);
    const p = { lr: c.lr, minLr: c.minLr, warmup: c.warmup, steps: c.steps, restartT0: c.restartT0, restartMult: c.restartMult };
    for (let it = 0; it < c.steps; it++) expect(nanoGptLr(py, it)).toBeCloseTo(lrAt(c.schedule, p, it), 12);
    // iteration max_iters (train.py runs it after its last save) is defined: no 0/0 when warmup = steps
    expect(Number.isFinite(nanoGptLr(py, c.steps))).toBe(true);
  });

  it('says what does not carry over: cosine-restarts, EMA, fp16 loss scale', () => {
    const { text, py } = configOf({ schedule: 'cosine-restarts', emaDecay: 0.99, precision: 'fp16' });
    expect(py.dtype).toBe('float16');
    expect(text).toMatch(/^# not carried over: schedule cosine-restarts/m);
    expect(text).toMatch(/^# not carried over: the EMA weights/m);
    expect(text).toMatch(/^# not carried over: precision fp16/m);
    expect(configOf({}).text).not.toMatch(/not carried over/);
    expect(configOf({}).py.dtype).toBe('float32');
  });

  it('maps AdamW, clipping and evaluation settings', () => {
    const { py } = configOf({ beta1: 0.8, beta2: 0.95, weightDecay: 0, clip: 0, evalEvery: 0, steps: 120, evalWindows: 1024, microBatch: 16 });
    expect(py).toMatchObject({ beta1: 0.8, beta2: 0.95, weight_decay: 0, grad_clip: 0, eval_interval: 120, eval_iters: 64 });
    expect(configOf({ evalEvery: 25, microBatch: 8 }).py).toMatchObject({ eval_interval: 25, eval_iters: 64 }); // >= 512 windows
  });

  it('writes floats with a decimal point: train.py asserts an override has the type it replaces', () => {
    const { text } = configOf({ lr: 1, minLr: 0, weightDecay: 2, clip: 0 });
    expect(text).toMatch(/^learning_rate = 1\.0 /m);
    expect(text).toMatch(/^min_lr = 0\.0 /m);
    expect(text).toMatch(/^weight_decay = 2\.0 /m);
    expect(text).toMatch(/^grad_clip = 0\.0 /m);
    expect(text).toMatch(/^max_iters = 300 /m); // ints stay ints
    expect(pyLiteral({ value: 1e-8, float: true })).toBe('1e-8');
    expect(pyLiteral({ value: "it's", float: false })).toBe("'it\\'s'");
    expect(pyLiteral({ value: false })).toBe('False');
  });
});

describe('names and commands', () => {
  it('names a bundle after its data, and refuses names that are not one plain path segment', () => {
    expect(bundleName('brown')).toBe('ringlab_brown');
    expect(bundleName('add3')).toBe('ringlab_add3');
    expect(bundleName('runs/my text.v2.txt')).toBe('ringlab_my_text_v2');
    expect(checkName('ok-name_1')).toBe('ok-name_1');
    for (const bad of ['', '../x', 'a b', "it's", '-x', 'x'.repeat(65)]) expect(() => checkName(bad)).toThrow(/must be 1 to 64/);
  });

  it('gives the torchrun command for other world sizes only when they divide devices x accum', () => {
    const c = parseConfig({ devices: 2, accum: 3, data: 'copy' });
    expect(torchrunCommand(c)).toBe('torchrun --standalone --nproc_per_node=2 train.py config/ringlab_copy.py');
    expect(torchrunCommand(c, 'x', 6)).toBe('torchrun --standalone --nproc_per_node=6 train.py config/x.py');
    expect(() => torchrunCommand(c, 'x', 4)).toThrow(/must divide gradient_accumulation_steps = devices x accum = 6/);
    expect(cpuCommand('x')).toBe('python train.py config/x.py --device=cpu --compile=False --dtype=float32');
    expect(shellWord('/tmp/a b')).toBe("'/tmp/a b'");
    expect(shellWord("/tmp/it's")).toBe(`'/tmp/it'\\''s'`);
  });
});
