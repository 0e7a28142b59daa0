// Learning-rate schedules at key steps, against values worked out by hand from the formulas.
import { describe, expect, it } from 'vitest';
import { lrAt, type ScheduleParams } from '../../src/engine/optim/schedule';

const p: ScheduleParams = { lr: 1, minLr: 0.1, warmup: 4, steps: 14, restartT0: 4, restartMult: 2 };
// Tolerance: a few ulps of float64 cosine arithmetic.
const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 12);

describe('schedules', () => {
  it('warms up linearly as nanoGPT: lr * (it+1) / (warmup+1)', () => {
    close(lrAt('cosine', p, 0), 0.2);
    close(lrAt('cosine', p, 3), 0.8);
    close(lrAt('constant', p, 1), 0.4);
  });
  it('cosine decays from lr at the end of warmup to minLr at `steps`, then stays', () => {
    close(lrAt('cosine', p, 4), 1);
    close(lrAt('cosine', p, 9), 0.1 + 0.5 * 0.9); // halfway: cos(pi/2) = 0
    close(lrAt('cosine', p, 14), 0.1);
    close(lrAt('cosine', p, 1000), 0.1);
    expect(lrAt('cosine', p, 6)).toBeGreaterThan(lrAt('cosine', p, 7));
  });
  it('constant stays at lr after warmup', () => {
    close(lrAt('constant', p, 4), 1);
    close(lrAt('constant', p, 500), 1);
  });
  it('cosine-restarts restarts at T0, T0(1+m), T0(1+m+m^2) after warmup', () => {
    const q = { ...p, warmup: 0 };
    close(lrAt('cosine-restarts', q, 0), 1);
    close(lrAt('cosine-restarts', q, 2), 0.55); // half of the first period of 4
    close(lrAt('cosine-restarts', q, 3), 0.1 + 0.45 * (1 + Math.cos((3 * Math.PI) / 4)));
    close(lrAt('cosine-restarts', q, 4), 1); // restart, period 8
    close(lrAt('cosine-restarts', q, 8), 0.55);
    close(lrAt('cosine-restarts', q, 12), 1); // restart, period 16
    close(lrAt('cosine-restarts', q, 20), 0.55);
    close(lrAt('cosine-restarts', q, 28), 1); // restart, period 32
    // with warmup the restarts shift by the warmup length
    close(lrAt('cosine-restarts', p, 8), 1);
    close(lrAt('cosine-restarts', p, 6), 0.55);
  });
  it('cosine-restarts with T_mult = 1 repeats one period, also far into a long run', () => {
    const q = { ...p, warmup: 0, restartMult: 1 };
    close(lrAt('cosine-restarts', q, 2), 0.55);
    close(lrAt('cosine-restarts', q, 4), 1);
    close(lrAt('cosine-restarts', q, 6), 0.55);
    close(lrAt('cosine-restarts', q, 999_998), 0.55); // 999,998 = 4 x 249,999 + 2
  });
});
