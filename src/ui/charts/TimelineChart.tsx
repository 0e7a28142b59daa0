// Who waited for whom in the latest step: the step's timeline per device on a canvas (timelineDraw.ts),
// redrawn after each step through the shared frame budget (frames.ts), only while on screen (store
// subscription, no React render per step).
// Hovering a span writes what it was into the readout line under the chart.
import { useEffect, useId, useRef } from 'react';
import { runStore } from '../../state/runStore';
import { cancelDraw, requestDraw, watchVisible } from '../frames';
import { describeSpan, drawTimeline, hitTest, timelineHeight } from './timelineDraw';

export function TimelineChart() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const readout = useRef<HTMLParagraphElement>(null);
  const titleId = useId();

  useEffect(() => {
    const c = canvas.current!, out = readout.current!;
    let dirty = false;
    const draw = () => {
      dirty = false;
      const m = runStore.getState().latest;
      const timeline = m?.timeline ?? [];
      const width = c.parentElement!.clientWidth || 600, height = timelineHeight(Math.max(1, timeline.length));
      const dpr = window.devicePixelRatio || 1;
      // resizing a canvas reallocates it: only when the size really changed
      if (c.width !== Math.round(width * dpr) || c.height !== Math.round(height * dpr)) {
        c.width = Math.round(width * dpr);
        c.height = Math.round(height * dpr);
        c.style.width = `${width}px`;
        c.style.height = `${height}px`;
      }
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const end = drawTimeline(ctx, timeline, width, runStore.getState().ids);
      c.setAttribute('aria-label', m ? `step ${m.step}: ${timeline.length} devices over ${end.toFixed(1)} ms` : 'no step yet');
    };
    const seen = watchVisible(c, (v) => v && dirty && requestDraw(c, draw));
    const schedule = () => {
      // test hooks, kept current even while the chart is off screen
      const m = runStore.getState().latest;
      c.dataset.step = String(m?.step ?? 0);
      c.dataset.waits = String(m?.timeline.flat().filter((e) => e.kind === 'wait').length ?? 0);
      dirty = true;
      if (seen.visible()) requestDraw(c, draw);
    };
    draw();
    const unsubscribe = runStore.subscribe((s, prev) => s.latest !== prev.latest && schedule());
    const onMove = (ev: PointerEvent) => {
      const m = runStore.getState().latest;
      const rect = c.getBoundingClientRect();
      const hit = m ? hitTest(m.timeline, rect.width, ev.clientX - rect.left, ev.clientY - rect.top) : null;
      out.textContent = hit ? `step ${m!.step}: ${describeSpan(hit.rank, hit.e, runStore.getState().ids)}` : 'Point at a span to read it.';
    };
    c.addEventListener('pointermove', onMove);
    const ro = new ResizeObserver(schedule);
    ro.observe(c.parentElement!);
    return () => {
      unsubscribe();
      seen.stop();
      cancelDraw(c);
      c.removeEventListener('pointermove', onMove);
      ro.disconnect();
    };
  }, []);

  return (
    <figure className="chart-figure wide" aria-labelledby={titleId}>
      <figcaption><span id={titleId} className="chart-title">Timeline of the latest step</span></figcaption>
      <p className="explain">
        Each row is one device during the last step. Blue: computing (forward and backward); orange, below it:
        reducing a gradient bucket with the others (drawn under the compute it overlaps); grey: waiting, with a
        red arrow to the device it was waiting for; green: the weight update.
      </p>
      <div className="timeline-box"><canvas ref={canvas} data-testid="timeline-chart" role="img" /></div>
      <p className="readout" ref={readout} aria-live="off">Point at a span to read it.</p>
    </figure>
  );
}
