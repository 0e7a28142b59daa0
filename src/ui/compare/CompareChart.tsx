// An overlay of the compared runs' curves (loss or tokens/s against step) with uPlot, rebuilt when the
// selection changes (never per training step: these runs are finished). Hover shows each run's value.
import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignCurves } from '../../state/compare';
import type { SavedRun } from '../../state/runHistory';
import { sig, stepAxis } from '../charts/LiveChart';

export const RUN_COLORS = ['#2f6fd6', '#d9632b', '#2e9d5a', '#7b3fb5', '#c62828', '#8a6d00', '#00838f', '#5d4037'];

interface Props { title: string; runs: SavedRun[]; labels: string[]; pick: 'loss' | 'tokensPerS'; yLabel: string; testId: string }

export function CompareChart({ title, runs, labels, pick, yLabel, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();

  useEffect(() => {
    const el = box.current!;
    const data = alignCurves(runs, pick) as unknown as uPlot.AlignedData;
    const u = new uPlot({
      width: el.clientWidth || 400,
      height: 200,
      scales: { x: { time: false } },
      axes: [stepAxis, { label: yLabel, size: 60 }],
      series: [{ label: 'step' }, ...runs.map((_r, i) => ({
        label: labels[i], stroke: RUN_COLORS[i % RUN_COLORS.length], width: 1.5, spanGaps: true, points: { show: false }, value: sig(4),
      }))],
    }, data, el);
    el.dataset.runs = String(runs.length);
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 200 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [runs, labels, pick, yLabel]);

  return (
    <figure className="chart-figure" aria-labelledby={titleId}>
      <figcaption><span id={titleId} className="chart-title">{title}</span></figcaption>
      <div className="chart" ref={box} data-testid={testId} />
    </figure>
  );
}
