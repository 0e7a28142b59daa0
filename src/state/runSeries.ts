// The chart columns of one run, appended once per optimizer step (src/state/series.ts: growable typed
// arrays, zero-copy views for uPlot). Per device d the step time is kept stacked, as the chart draws it:
// cmp{d} = compute, com{d} = compute + communication, tot{d} = compute + communication + waiting (the
// parts are the differences). Sparse columns hold null where a value does not exist: validation losses
// between evaluations, the gradient norm of a skipped step, the loss scale only at skipped steps.
// Per-device columns are by device id (which a device keeps when elastic recovery renumbers the ranks);
// a device that is not in the group (dead) gets 0 for that step. Steps restored from a checkpoint's
// history have no per-device times (the history does not keep them): 0 there too.
// Legend: N = devices; ms; tokens/s.
import { historyPoint, type HistoryPoint } from '../run/history';
import type { StepMetrics } from '../run/metrics';
import { Series } from './series';

const DENSE = ['step', 'loss', 'tokensPerS', 'lr', 'lossScale', 'msStep', 'commShare'] as const;
const SPARSE = ['val', 'valEma', 'gradNorm', 'skipped'] as const;

export type RunSeries = Series<string, string>;

/** Per-device stacked column names. */
export const stackCols = (d: number) => ({ compute: `cmp${d}`, comm: `com${d}`, total: `tot${d}` });

/** Empty columns for a run on N devices. */
export function makeRunSeries(N: number): RunSeries {
  const perDevice = Array.from({ length: N }, (_, d) => Object.values(stackCols(d))).flat();
  return new Series<string, string>([...DENSE, ...perDevice], [...SPARSE]);
}

const orNull = (x: number | null | undefined) => (x === undefined || x === null || !Number.isFinite(x) ? null : x);

/** The row of one step from its history record (per-device columns at 0, for N devices). */
function rowOf(p: HistoryPoint, msStep: number, N: number): Record<string, number | null> {
  const row: Record<string, number | null> = {
    step: p.step, loss: p.loss, tokensPerS: p.tokensPerS, lr: p.lr, lossScale: p.lossScale, msStep, commShare: p.commShare,
    val: orNull(p.valLoss), valEma: orNull(p.valLossEma), gradNorm: p.skipped ? null : orNull(p.gradNorm), skipped: p.skipped ? p.lossScale : null,
  };
  for (let d = 0; d < N; d++) for (const k of Object.values(stackCols(d))) row[k] = 0;
  return row;
}

/** Append one step's metrics; `ids[r]` is the device id of rank r (default: rank = id), N the devices
 *  the run started with. */
export function pushStep(s: RunSeries, m: StepMetrics, ids?: readonly number[], N = m.msCompute.length): void {
  const row = rowOf(historyPoint(m), m.msStep, N);
  m.msCompute.forEach((c, r) => {
    const k = stackCols(ids?.[r] ?? r);
    row[k.compute] = c;
    row[k.comm] = c + (m.msComm[r] ?? 0);
    row[k.total] = c + (m.msComm[r] ?? 0) + (m.msIdle[r] ?? 0);
  });
  s.push(row as Record<string, number>);
}

/** Append the steps of a checkpoint's history (a resumed run redraws its charts from them). */
export function pushHistory(s: RunSeries, points: readonly HistoryPoint[], N: number): void {
  for (const p of points) s.push(rowOf(p, 0, N) as Record<string, number>);
}

/** Rows of steps after `step` dropped (a restart from the checkpoint at `step` trains them again). */
export function rewindTo(s: RunSeries, step: number): void {
  const steps = s.col('step');
  let n = steps.length;
  while (n > 0 && steps[n - 1] > step) n--;
  s.truncate(n);
}
