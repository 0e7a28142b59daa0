// The live charts' series, one spec each: which columns of the run (src/state/runSeries.ts) go on which
// axis, how hover values are written, and what the browser tests can read back (data-* attributes).
// Legend: N = devices; losses in nats per character; ms; tokens/s.
import type uPlot from 'uplot';
import { isActive, type RunState } from '../../state/runStore';
import { stackCols } from '../../state/runSeries';
import { sig, stepAxis, type ChartSpec } from './LiveChart';

export const COLORS = { train: '#2f6fd6', val: '#d9632b', ema: '#7b3fb5', compute: '#2f6fd6', comm: '#e0a030', idle: '#9aa3ad', scale: '#2e7d32', skip: '#c62828', lr: '#8a6d00' };

const line = (label: string, stroke: string, more: Partial<uPlot.Series> = {}): uPlot.Series => ({ label, stroke, width: 1.5, points: { show: false }, ...more });
const dots = (label: string, stroke: string, more: Partial<uPlot.Series> = {}): uPlot.Series => ({ label, stroke, fill: stroke, paths: () => null, points: { show: true, size: 6, stroke, fill: stroke }, ...more });
const col = (s: RunState, k: string) => s.series.col(k) as unknown as number[];
const sparse = (s: RunState, k: string) => s.series.sparseCol(k) as (number | null)[];

export const lossSpec: ChartSpec = {
  options: (s) => ({
    scales: { x: { time: false } },
    axes: [stepAxis, { label: 'loss (nats/char)' }],
    series: [
      { label: 'step' },
      line('train', COLORS.train, { value: sig(6) }),
      line('validation', COLORS.val, { spanGaps: true, points: { show: true, size: 5 }, value: sig(6) }),
      line('validation (EMA weights)', COLORS.ema, { spanGaps: true, points: { show: true, size: 5 }, value: sig(6), show: (s.cfg?.emaDecay ?? 0) > 0 }),
    ],
  }),
  data: (s) => [col(s, 'step'), col(s, 'loss'), sparse(s, 'val'), sparse(s, 'valEma')],
  expose: (s, el) => {
    el.dataset.points = String(s.series.length);
    // the whole column only once the run has ended: rewritten on every step it would cost O(steps^2)
    if (isActive(s.status)) delete el.dataset.loss;
    else el.dataset.loss = JSON.stringify(Array.from(s.series.col('loss')));
  },
};

export const throughputSpec: ChartSpec = {
  options: () => ({
    scales: { x: { time: false } },
    axes: [stepAxis, { label: 'tokens/s', size: 60 }],
    series: [{ label: 'step' }, line('tokens/s', COLORS.train, { value: (_u, v) => (v == null ? '–' : Math.round(v).toLocaleString('en-US')) })],
  }),
  data: (s) => [col(s, 'step'), col(s, 'tokensPerS')],
  expose: (s, el) => (el.dataset.points = String(s.series.length)),
};

/** The largest value after the first (or `fallback` when there is nothing after it). */
const afterFirst = (col: ArrayLike<number> | undefined, fallback: number): number => {
  let top = 0;
  for (let i = 1; i < (col?.length ?? 0); i++) top = Math.max(top, col![i]);
  return top > 0 ? top : Math.max(fallback, 1);
};

/** Compute, communication and waiting of device d, stacked: the legend shows each part, not the sums. */
export function stepTimeSpec(d: number): ChartSpec {
  const k = stackCols(d);
  // series 1..3 are stacked sums: each part is its series minus the one below it
  const part = (u: uPlot, _v: number | null, si: number, i: number | null) =>
    (i == null ? '–' : `${((u.data[si] as number[])[i] - (si > 1 ? (u.data[si - 1] as number[])[i] : 0)).toFixed(1)} ms`);
  return {
    options: () => ({
      // step 1 carries warm-up (JIT, allocation) and can be ten times the others: the scale fits the
      // steps after it, and step 1 runs off the top
      scales: { x: { time: false }, y: { range: (u, _min, max) => [0, afterFirst(u.data[3] as number[], max) * 1.05] } },
      axes: [stepAxis, { label: 'ms' }],
      series: [
        { label: 'step' },
        { label: 'compute', stroke: COLORS.compute, fill: `${COLORS.compute}99`, points: { show: false }, value: part },
        { label: 'communication', stroke: COLORS.comm, fill: `${COLORS.comm}99`, points: { show: false }, value: part },
        { label: 'waiting', stroke: COLORS.idle, fill: `${COLORS.idle}99`, points: { show: false }, value: part },
      ],
      // each band fills down to the one below it, so the areas stack instead of overlapping
      bands: [{ series: [3, 2] }, { series: [2, 1] }],
    }),
    data: (s) => (s.series.has(k.total) ? [col(s, 'step'), col(s, k.compute), col(s, k.comm), col(s, k.total)] : [[], [], [], []]),
    expose: (s, el) => (el.dataset.points = String(s.series.length)),
  };
}

export const lossScaleSpec: ChartSpec = {
  options: () => ({
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [stepAxis, { label: 'loss scale', size: 70 }],
    series: [{ label: 'step' }, line('loss scale', COLORS.scale, { value: sig(6) }), dots('skipped step', COLORS.skip, { value: (_u, v) => (v == null ? '–' : 'skipped') })],
  }),
  data: (s) => [col(s, 'step'), col(s, 'lossScale'), sparse(s, 'skipped')],
  expose: (s, el) => {
    const n = s.series.length;
    el.dataset.points = String(n);
    el.dataset.lastScale = n ? String(s.series.col('lossScale')[n - 1]) : '';
    el.dataset.skipped = String(s.series.sparseCol('skipped').filter((v) => v !== null).length);
  },
};

export const gradLrSpec: ChartSpec = {
  options: () => ({
    scales: { x: { time: false }, lr: {} },
    axes: [stepAxis, { label: 'gradient norm', size: 60 }, { label: 'lr', scale: 'lr', side: 1, size: 70, grid: { show: false } }],
    series: [
      { label: 'step' },
      line('gradient norm', COLORS.train, { spanGaps: false, value: sig(5) }),
      line('lr', COLORS.lr, { scale: 'lr', value: sig(6) }),
    ],
  }),
  data: (s) => [col(s, 'step'), sparse(s, 'gradNorm'), col(s, 'lr')],
  expose: (s, el) => (el.dataset.points = String(s.series.length)),
};
