// Comparing finished runs: a short name for each run's setup, the settings in which the compared runs
// differ (so the table says what changed), and their curves aligned on one step axis for an overlay.
// Pure. Legend: N = devices, B = micro-batch, K = accumulation.
import type { RunConfig } from '../engine/config';
import type { SavedRun } from './runHistory';

/** "N×B×K" and the main choices, e.g. "2×8×4 fp16 ring lr 0.003". */
export const setupOf = (c: RunConfig): string =>
  `${c.devices}×${c.microBatch}×${c.accum} ${c.precision} ${c.allreduce} lr ${c.lr}${c.zero ? ' zero1' : ''}${c.compress !== 'none' ? ` compress ${c.compress}` : ''}`;

/** Settings whose values differ between the runs (version and seed-independent ids left out). */
export function differingKeys(runs: SavedRun[]): (keyof RunConfig)[] {
  if (runs.length < 2) return [];
  const keys = Object.keys(runs[0].cfg) as (keyof RunConfig)[];
  return keys.filter((k) => k !== 'version' && new Set(runs.map((r) => JSON.stringify(r.cfg[k]))).size > 1);
}

/** One x column (the union of the runs' steps, ascending) and each run's `pick` column with nulls where
 *  a run has no point at that step. */
export function alignCurves(runs: SavedRun[], pick: 'loss' | 'val' | 'tokensPerS'): [number[], ...(number | null)[][]] {
  const steps = [...new Set(runs.flatMap((r) => r.curve.step))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const cols = runs.map((r) => {
    const col = new Array<number | null>(steps.length).fill(null);
    r.curve.step.forEach((s, i) => (col[at.get(s)!] = r.curve[pick][i] ?? null));
    return col;
  });
  return [steps, ...cols];
}
