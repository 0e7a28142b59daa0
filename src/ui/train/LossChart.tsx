// Training loss per step and validation loss where evaluated, drawn with uPlot. The chart is created
// once and subscribes to the run store itself: on each new step it hands uPlot zero-copy views of the
// append-only series (setData), with no React render per step. It follows its container's width.
// data-points / data-loss on the container: how many steps the chart holds and its loss column (read by
// the browser test).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { runSeries, runStore } from '../../state/runStore';

const HEIGHT = 220;

const options = (width: number): uPlot.Options => ({
  width,
  height: HEIGHT,
  scales: { x: { time: false } },
  // steps are whole numbers: tick increments from 1 up
  axes: [{ label: 'step', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000] }, { label: 'loss (nats/char)' }],
  series: [
    {},
    { label: 'train loss', stroke: '#2f6fd6', width: 1.5, points: { show: false } },
    { label: 'val loss', stroke: '#d9632b', width: 1.5, spanGaps: true, points: { show: true, size: 5 } },
  ],
  legend: { live: false },
});

/** Loss curves of the current run. */
export function LossChart() {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current!;
    const u = new uPlot(options(el.clientWidth || 600), [[], [], []], el);
    const draw = () => {
      const n = runSeries.length;
      u.setData([runSeries.col('step'), runSeries.col('loss'), runSeries.sparseCol('val')] as unknown as uPlot.AlignedData);
      el.dataset.points = String(n);
      el.dataset.loss = JSON.stringify(Array.from(runSeries.col('loss')));
    };
    draw();
    const unsubscribe = runStore.subscribe((s, prev) => s.version !== prev.version && draw());
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: HEIGHT }));
    ro.observe(el);
    return () => {
      unsubscribe();
      ro.disconnect();
      u.destroy();
    };
  }, []);

  return <div className="chart" ref={box} data-testid="loss-chart" />;
}
