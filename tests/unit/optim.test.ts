// Optimizers, clipping, EMA and the loss scaler on the CPU backend, against hand-derived values.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { sub, whole, type Buffer } from '../../src/engine/backend/types';
import { clipCoef, GradMeter } from '../../src/engine/optim/clip';
import { WeightEma } from '../../src/engine/optim/ema';
import { decayRuns, Optimizer, type OptimHyper, type ParamRange } from '../../src/engine/optim/optimizers';
import { LossScaler } from '../../src/engine/optim/scaler';

// two tensors: a 2-D weight (decay) of 4 values, then a bias (no decay) of 2 values
const specs: ParamRange[] = [{ offset: 0, size: 4, decay: true }, { offset: 4, size: 2, decay: false }];
const hyper = (h: Partial<OptimHyper>): OptimHyper => ({ optimizer: 'adamw', weightDecay: 0, momentum: 0, beta1: 0.9, beta2: 0.99, eps: 1e-8, ...h });

function setup(p0: number[], g: number[]) {
  const be = new CpuBackend();
  const params = be.alloc(p0.length, 'p'), grads = be.alloc(g.length, 'g');
  be.write(params, Float32Array.from(p0));
  be.write(grads, Float32Array.from(g));
  return { be, params, grads };
}
/** A gradient buffer as the meter reads it, served `room` elements at a time. */
const source = (grads: Buffer, room = grads.length) => ({ room, view: (a: number, b: number) => sub(whole(grads), a, b - a) });
// f32 storage: compare to the f64 hand computation within f32 rounding of values of order 1 (5e-7)
const near = (got: Float32Array, want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));

describe('SGD', () => {
  it('with momentum matches the hand-derived torch.optim.SGD recurrence, decay on 2-D weights only', async () => {
    const p0 = [1, -2, 0.5, 3, 1, -1], g = [0.5, 1, -1, 0, 2, 0.25];
    const { be, params, grads } = setup(p0, g);
    const lr = 0.1, mu = 0.9, wd = 0.01;
    const opt = new Optimizer(be, specs, hyper({ optimizer: 'sgd', momentum: mu, weightDecay: wd }), 0, 6);
    const p = [...p0], buf = [0, 0, 0, 0, 0, 0];
    for (let t = 1; t <= 3; t++) {
      opt.step(params, grads, lr);
      for (let i = 0; i < 6; i++) {
        const gi = g[i] + (i < 4 ? wd : 0) * p[i];
        buf[i] = t === 1 ? gi : mu * buf[i] + gi;
        p[i] -= lr * buf[i];
      }
    }
    near(await be.read(params), p);
    expect(opt.t).toBe(3);
    expect(opt.state).toHaveLength(1);
  });
  it('without momentum keeps no state', () => {
    const { be } = setup([0], [0]);
    expect(new Optimizer(be, specs, hyper({ optimizer: 'sgd', momentum: 0 }), 0, 6).state).toHaveLength(0);
  });
});

describe('AdamW', () => {
  it('first step moves each weight by lr * (sign(g) + wd * p) (bias-corrected m/sqrt(v) = g/|g|)', async () => {
    const p0 = [1, -2, 0.5, 3, 1, -1], g = [0.5, -1, 2, -0.1, 3, 0.25];
    const { be, params, grads } = setup(p0, g);
    const opt = new Optimizer(be, specs, hyper({ weightDecay: 0.1 }), 0, 6);
    opt.step(params, grads, 0.01);
    near(await be.read(params), p0.map((p, i) => p - 0.01 * ((i < 4 ? 0.1 : 0) * p + Math.sign(g[i]))));
  });
  it('updates only its shard [lo, hi) and keeps state for that shard only; state round-trips', async () => {
    const p0 = [1, 1, 1, 1, 1, 1], g = [1, 1, 1, 1, 1, 1];
    const { be, params, grads } = setup(p0, g);
    const opt = new Optimizer(be, specs, hyper({}), 2, 5);
    expect(opt.state[0].length).toBe(3);
    expect(decayRuns(specs, 2, 5)).toEqual([{ offset: 2, n: 2, decay: true }, { offset: 4, n: 1, decay: false }]);
    opt.step(params, grads, 0.5);
    const got = await be.read(params);
    expect([got[0], got[1], got[5]]).toEqual([1, 1, 1]);
    expect(got[2]).toBeCloseTo(0.5, 6);
    const saved = await opt.exportState();
    const twin = new Optimizer(be, specs, hyper({}), 2, 5);
    twin.importState(saved);
    expect(await twin.exportState()).toEqual(saved);
    expect(() => new Optimizer(be, specs, hyper({}), 0, 6).importState(saved)).toThrow('not adamw [0, 6)');
  });
  it('an update in pieces (tick once, then update per range) equals one step, decay runs and t included', async () => {
    const p0 = [1, -2, 0.5, 3, 1, -1], g = [0.5, -1, 2, -0.1, 3, 0.25];
    const whole6 = setup(p0, g), pieces = setup(p0, g);
    const a = new Optimizer(whole6.be, specs, hyper({ weightDecay: 0.1 }), 0, 6);
    const b = new Optimizer(pieces.be, specs, hyper({ weightDecay: 0.1 }), 0, 6);
    for (let t = 0; t < 3; t++) {
      a.step(whole6.params, whole6.grads, 0.01);
      b.tick();
      // the gradients of [a, b) come as their own slice, as an unpacked fp16 chunk does
      for (const [lo, hi] of [[0, 3], [3, 6]]) b.update(pieces.params, sub(whole(pieces.grads), lo, hi - lo), lo, hi, 0.01);
    }
    expect(b.t).toBe(3);
    expect(await pieces.be.read(pieces.params)).toEqual(await whole6.be.read(whole6.params));
    expect(() => b.update(pieces.params, whole(pieces.grads), 4, 7, 0.01)).toThrow(/outside \[0, 6\)/);
  });
});

describe('clipping and gradient statistics', () => {
  it('sums squares over [lo, hi) and detects non-finite values', async () => {
    const { be, grads } = setup([0, 0, 0, 0, 0, 0], [3, 4, 1, 2, 12, 5]);
    const g = source(grads);
    expect((await new GradMeter(be, specs, 0, 6).measure(g)).sumsq).toBeCloseTo(9 + 16 + 1 + 4 + 144 + 25, 4);
    expect(await new GradMeter(be, specs, 3, 5).measure(g)).toEqual({ sumsq: 4 + 144, nonfinite: false });
    be.write(grads, Float32Array.from([NaN]), 1);
    expect((await new GradMeter(be, specs, 0, 6).measure(g)).nonfinite).toBe(true);
    expect((await new GradMeter(be, specs, 2, 6).measure(g)).nonfinite).toBe(false);
  });
  it('measured in chunks (views of at most `room` elements, as fp16 gradients are) gives the same numbers, with one read', async () => {
    const { be, grads } = setup([0, 0, 0, 0, 0, 0], [3, 4, 1, 2, 12, 5]);
    const views: [number, number][] = [];
    const chunked = { room: 2, view: (a: number, b: number) => (views.push([a, b]), sub(whole(grads), a, b - a)) };
    let reads = 0;
    const read = be.read.bind(be);
    be.read = (s) => (reads++, read(s));
    expect(await new GradMeter(be, specs, 1, 6, 2).measure(chunked)).toEqual({ sumsq: 16 + 1 + 4 + 144 + 25, nonfinite: false });
    expect(views).toEqual([[1, 3], [3, 5], [5, 6]]); // chunks start at lo; [3, 5) spans both tensors
    expect(reads).toBe(1);
    be.write(grads, Float32Array.from([Infinity]), 5);
    expect((await new GradMeter(be, specs, 1, 6, 2).measure(chunked)).nonfinite).toBe(true);
  });
  it('coefficient is min(1, max / (norm + 1e-6)), 1 when clipping is off', () => {
    expect(clipCoef(10, 1)).toBeCloseTo(0.1, 7);
    expect(clipCoef(0.5, 1)).toBe(1);
    expect(clipCoef(1e9, 0)).toBe(1);
    expect(clipCoef(2, 2)).toBeLessThan(1); // the 1e-6 keeps it just under 1 at the threshold, as torch
  });
});

describe('weight EMA', () => {
  it('starts at the weights and follows ema = d ema + (1 - d) w', async () => {
    const { be, params } = setup([1, 2], [0, 0]);
    const e = new WeightEma(be, params, 0.9);
    near(await e.read(), [1, 2]);
    be.write(params, Float32Array.from([2, 0]));
    e.update(params);
    e.update(params);
    near(await e.read(), [0.81 * 1 + 0.19 * 2, 0.81 * 2]);
  });
});

describe('LossScaler', () => {
  it('backs off on overflow (skipping), grows after growthInterval clean steps', () => {
    const s = new LossScaler({ growthInterval: 3 });
    expect(s.scale).toBe(65536);
    const seq = [false, false, true, false, false, false, false, true, true];
    const skips = seq.map((inf) => s.update(inf));
    expect(skips).toEqual(seq);
    // 65536 -> (inf) 32768 -> 3 clean: 65536 -> 1 clean -> (inf) 32768 -> (inf) 16384
    expect(s.scale).toBe(16384);
    expect(s.exportState()).toEqual({ scale: 16384, growthTracker: 0 });
  });
  it('is the identity when disabled (fp32)', () => {
    const s = new LossScaler({ enabled: false });
    expect(s.update(true)).toBe(false);
    expect(s.scale).toBe(1);
  });
});
