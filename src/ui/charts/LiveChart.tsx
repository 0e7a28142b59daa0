// One live uPlot chart in a <figure> whose accessible name is its title, with a short always-visible
// explanation. The chart subscribes to the run store itself: a new step queues one redraw (frames.ts:
// several steps before it runs cost one draw, charts share each frame's budget, and a chart off screen
// waits until it is scrolled to), which hands uPlot zero-copy views of the run's columns (setData);
// React renders the figure once, never per step. A new run (or new options) rebuilds the chart.
// Hovering shows the exact values of the step under the cursor in the legend. Faults, lost work and
// checkpoints are marked on every chart (markers.ts).
import { useEffect, useId, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { runStore, type RunState } from '../../state/runStore';
import { cancelDraw, requestDraw, watchVisible } from '../frames';
import { markersPlugin } from './markers';

export interface ChartSpec {
  /** Options for this run (series may depend on its settings); width and height are set here. */
  options: (s: RunState) => Omit<uPlot.Options, 'width' | 'height'>;
  data: (s: RunState) => uPlot.AlignedData;
  /** Test hooks: data-* attributes, set on every change even while the chart is off screen. */
  expose?: (s: RunState, el: HTMLElement) => void;
}

interface Props {
  title: string;
  testId: string;
  explain: ReactNode;
  spec: ChartSpec;
  /** Controls shown next to the title (e.g. which device). */
  controls?: ReactNode;
  /** Shown under the chart (e.g. the faults it marks, in words). */
  footer?: ReactNode;
}

/** x axis: optimizer steps are whole numbers, ticks from 1 up. */
export const stepAxis: uPlot.Axis = { label: 'step', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000] };

/** A legend value with `digits` significant digits ('–' where there is none). */
export const sig = (digits: number) => (_u: uPlot, v: number | null) => (v == null || !Number.isFinite(v) ? '–' : Number(v.toPrecision(digits)).toString());

export function LiveChart({ title, testId, explain, spec, controls, footer }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();

  useEffect(() => {
    const el = box.current!;
    let u: uPlot | null = null;
    let runNumber = -1;
    let dirty = false;
    const build = (s: RunState) => {
      u?.destroy();
      runNumber = s.runNumber;
      const o = spec.options(s);
      u = new uPlot({ ...o, plugins: [...(o.plugins ?? []), markersPlugin()], width: el.clientWidth || 400, height: 200 }, spec.data(s), el);
    };
    const draw = () => {
      dirty = false;
      const s = runStore.getState();
      if (s.runNumber !== runNumber || !u) build(s);
      else u.setData(spec.data(s));
    };
    build(runStore.getState());
    spec.expose?.(runStore.getState(), el);
    const seen = watchVisible(el, (v) => v && dirty && requestDraw(el, draw));
    const unsubscribe = runStore.subscribe((s, prev) => {
      if (s.version === prev.version && s.runNumber === prev.runNumber && s.cfg === prev.cfg && s.status === prev.status) return;
      spec.expose?.(s, el);
      dirty = true;
      if (seen.visible()) requestDraw(el, draw);
    });
    const ro = new ResizeObserver(() => u?.setSize({ width: el.clientWidth, height: 200 }));
    ro.observe(el);
    return () => {
      unsubscribe();
      seen.stop();
      cancelDraw(el);
      ro.disconnect();
      u?.destroy();
    };
  }, [spec]);

  return (
    <figure className="chart-figure" aria-labelledby={titleId} data-testid={`${testId}-figure`}>
      <figcaption>
        <span id={titleId} className="chart-title">{title}</span>
        {controls}
      </figcaption>
      <p className="explain">{explain}</p>
      <div className="chart" ref={box} data-testid={testId} />
      {footer}
    </figure>
  );
}
