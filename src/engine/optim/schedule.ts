// Learning-rate schedules as a small table. `it` is the 0-based optimizer step (the update that makes
// step it+1). Every schedule starts with a linear warmup (nanoGPT: lr * (it+1) / (warmup+1)).
// Units: learning rates per step; warmup, steps, T0 in optimizer steps.

export type ScheduleName = 'constant' | 'cosine' | 'cosine-restarts';

export interface ScheduleParams {
  lr: number;
  minLr: number;
  warmup: number;
  /** Total steps: cosine decays from the end of warmup to `steps`, then stays at minLr. */
  steps: number;
  restartT0: number;
  restartMult: number;
}

const cosine = (p: ScheduleParams, t: number, period: number): number =>
  p.minLr + 0.5 * (1 + Math.cos((Math.PI * t) / period)) * (p.lr - p.minLr);

/** Schedules after warmup: `t` counts steps since warmup ended. */
export const schedules: Record<ScheduleName, (p: ScheduleParams, t: number) => number> = {
  constant: (p) => p.lr,
  cosine: (p, t) => {
    const span = p.steps - p.warmup;
    return span <= 0 || t >= span ? p.minLr : cosine(p, t, span);
  },
  // SGDR (Loshchilov & Hutter): period T0, multiplied by T_mult after each restart.
  'cosine-restarts': (p, t) => {
    // T_mult = 1: equal periods (a walk would cost t / T0 iterations per step); otherwise periods grow
    // geometrically and the walk takes O(log t) iterations.
    if (p.restartMult === 1) return cosine(p, t % p.restartT0, p.restartT0);
    let period = p.restartT0;
    while (t >= period) {
      t -= period;
      period *= p.restartMult;
    }
    return cosine(p, t, period);
  },
};

/** Learning rate for 0-based step `it`. */
export function lrAt(name: ScheduleName, p: ScheduleParams, it: number): number {
  if (it < p.warmup) return (p.lr * (it + 1)) / (p.warmup + 1);
  return schedules[name](p, it - p.warmup);
}
