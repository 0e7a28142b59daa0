// Is the run learning? A loss far above where it started means the updates are making the model worse
// than its random start: the page warns with the likely cause instead of showing a green "done". A
// non-finite loss never gets here: the driver stops the run with a DIVERGED failure.
// Legend: L0 = loss of step 1 (an untrained model: about ln V nats).
import type { RunConfig } from '../engine/config';

/** Far above: more than 5% above the starting loss (the start is the loss of a random model, so any
 *  value above it is the model unlearning; 5% keeps step-to-step noise of a flat run below the line). */
export const FAR_ABOVE = 1.05;

export interface LossWarning {
  /** The step of the highest loss above the line, and that loss. */
  step: number;
  loss: number;
  start: number;
  /** The latest loss is still above the line (the run is diverging now, not a past spike). */
  ongoing: boolean;
  text: string;
}

/** The likely cause, from the settings. */
export function likelyCause(cfg: Pick<RunConfig, 'lr' | 'warmup' | 'clip' | 'optimizer' | 'precision'>): string {
  if (cfg.optimizer === 'sgd') return `the learning rate ${cfg.lr} is too high for SGD: try a tenth of it`;
  const clip = cfg.clip > 0 ? '' : ', or turn clipping on (clip 1)';
  return `the learning rate ${cfg.lr} is too high right after a warmup of ${cfg.warmup} steps: try a lower lr or a longer warmup${clip}`;
}

/** The warning for a run whose step losses so far are `losses` (step i+1 at index i), or null. */
export function lossWarning(losses: ArrayLike<number>, cfg: Parameters<typeof likelyCause>[0], previous: LossWarning | null): LossWarning | null {
  const n = losses.length;
  if (n < 2) return null;
  const start = losses[0], line = start * FAR_ABOVE, last = losses[n - 1];
  const ongoing = last > line;
  let worst = previous;
  if (ongoing && (!worst || last > worst.loss)) worst = { step: n, loss: last, start, ongoing, text: '' };
  if (!worst) return null;
  // worded from the worst point only, so the text (an alert for screen readers) changes only when the
  // loss gets worse, not with every step
  const where = `the loss reached ${worst.loss.toFixed(2)} at step ${worst.step}, above its start ${start.toFixed(2)}`;
  return { ...worst, ongoing, text: `${where}: ${likelyCause(cfg)}.` };
}
