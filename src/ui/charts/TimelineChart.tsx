// Who waited for whom in the latest step: the step's timeline per device on a canvas (timelineDraw.ts),
// redrawn on the next animation frame after each step (store subscription, no React render per step).
// Hovering a span writes what it was into the readout line under the chart.
import { useEffect, useId, useRef } from 'react';
import { runStore } from '../../state/runStore';
import { describeSpan, drawTimeline, hitTest, timelineHeight } from './timelineDraw';

export function TimelineChart() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const readout = useRef<HTMLParagraphElement>(null);
  const titleId = useId();

  useEffect(() => {
    const c = canvas.current!, out = readout.current!;
    let frame = 0;
    const draw = () => {
      frame = 0;
      const m = runStore.getState().latest;
      const timeline = m?.timeline ?? [];
      const width = c.parentElement!.clientWidth || 600, height = timelineHeight(Math.max(1, timeline.length));
      const dpr = window.devicePixelRatio || 1;
      c.width = width * dpr;
      c.height = height * dpr;
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const end = drawTimeline(ctx, timeline, width);
      c.dataset.step = String(m?.step ?? 0);
      c.dataset.waits = String(timeline.flat().filter((e) => e.kind === 'wait').length);
      c.setAttribute('aria-label', m ? `step ${m.step}: ${timeline.length} devices over ${end.toFixed(1)} ms` : 'no step yet');
    };
    const schedule = () => (frame ||= requestAnimationFrame(draw));
    draw();
    const unsubscribe = runStore.subscribe((s, prev) => s.latest !== prev.latest && schedule());
    const onMove = (ev: PointerEvent) => {
      const m = runStore.getState().latest;
      const rect = c.getBoundingClientRect();
      const hit = m ? hitTest(m.timeline, rect.width, ev.clientX - rect.left, ev.clientY - rect.top) : null;
      out.textContent = hit ? `step ${m!.step}: ${describeSpan(hit.rank, hit.e)}` : 'Point at a span to read it.';
    };
    c.addEventListener('pointermove', onMove);
    const ro = new ResizeObserver(schedule);
    ro.observe(c.parentElement!);
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
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
