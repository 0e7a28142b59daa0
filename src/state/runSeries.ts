// The chart columns of one run, appended once per optimizer step (src/state/series.ts: growable typed
// arrays, zero-copy views for uPlot). Per device d the step time is kept stacked, as the chart draws it:
// cmp{d} = compute, com{d} = compute + communication, tot{d} = compute + communication + waiting (the
// parts are the differences). Sparse columns hold null where a value does not exist: validation losses
// between evaluations, the gradient norm of a skipped step, the loss scale only at skipped steps.
// Legend: N = devices; ms; tokens/s.
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

const orNull = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);

/** Append one step's metrics. */
export function pushStep(s: RunSeries, m: StepMetrics): void {
  const row: Record<string, number | null> = {
    step: m.step, loss: m.loss, tokensPerS: m.tokensPerS, lr: m.lr, lossScale: m.lossScale, msStep: m.msStep, commShare: m.commShare,
    val: orNull(m.valLoss), valEma: orNull(m.valLossEma), gradNorm: m.skipped ? null : orNull(m.gradNorm), skipped: m.skipped ? m.lossScale : null,
  };
  m.msCompute.forEach((c, d) => {
    const k = stackCols(d);
    row[k.compute] = c;
    row[k.comm] = c + (m.msComm[d] ?? 0);
    row[k.total] = c + (m.msComm[d] ?? 0) + (m.msIdle[d] ?? 0);
  });
  s.push(row as Record<string, number>);
}
