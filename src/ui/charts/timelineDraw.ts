// Drawing the timeline of one step on a canvas: a row per device, time left to right (ms since the
// first device began the step). Compute spans fill the upper half of a row, bucket reductions the lower
// half (a bucket under a compute span is communication overlapping backward), waits are grey with an
// arrow to the device waited for, the update is green. hitTest finds the span under the pointer.
// Legend: N = devices; ms; px = CSS pixels.
import type { TimelineEvent } from '../../engine/dist/report';
import { COLORS } from './specs';

export const ROW = 34;
export const LABEL_W = 70;
const PAD_R = 12, AXIS_H = 18;

const fill: Record<TimelineEvent['kind'], string> = { compute: COLORS.compute, bucket: COLORS.comm, wait: COLORS.idle, update: '#2e7d32' };

export const timelineHeight = (N: number): number => N * ROW + AXIS_H;

interface Geometry { width: number; end: number }
const xOf = (g: Geometry, t: number) => LABEL_W + (t / g.end) * (g.width - LABEL_W - PAD_R);
const band = (e: TimelineEvent): [number, number] => (e.kind === 'bucket' ? [0.55, 0.9] : e.kind === 'compute' ? [0.1, 0.5] : [0.1, 0.9]);

/** Draw `timeline` (per rank) into ctx, `width` CSS pixels wide, rows named by `ids[rank]` (the device's
 *  id: after elastic recovery ranks and ids differ); returns the time span drawn. */
export function drawTimeline(ctx: CanvasRenderingContext2D, timeline: TimelineEvent[][], width: number, ids: readonly number[] = []): number {
  const N = timeline.length;
  const end = Math.max(1e-3, ...timeline.flat().map((e) => e.t1));
  const g = { width, end };
  ctx.clearRect(0, 0, width, timelineHeight(N));
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  timeline.forEach((events, r) => {
    const y = r * ROW;
    ctx.fillStyle = '#1d232b';
    ctx.fillText(`device ${ids[r] ?? r}`, 4, y + ROW / 2);
    ctx.fillStyle = '#f1f3f5';
    ctx.fillRect(LABEL_W, y + 3, width - LABEL_W - PAD_R, ROW - 6);
    for (const e of events) {
      const [a, b] = band(e);
      ctx.fillStyle = fill[e.kind];
      ctx.fillRect(xOf(g, e.t0), y + a * ROW, Math.max(1, xOf(g, e.t1) - xOf(g, e.t0)), (b - a) * ROW);
    }
  });
  // who waited for whom: an arrow from the end of each wait to the row of the device it waited for
  ctx.strokeStyle = COLORS.skip;
  ctx.fillStyle = COLORS.skip;
  ctx.lineWidth = 1.2;
  timeline.forEach((events, r) => events.forEach((e) => {
    if (e.kind !== 'wait' || e.peer === undefined || e.t1 - e.t0 < end / 200) return;
    const x = xOf(g, e.t1), y0 = r * ROW + ROW / 2, y1 = e.peer * ROW + ROW / 2;
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y1);
    ctx.stroke();
    const dir = y1 > y0 ? 1 : -1;
    ctx.beginPath();
    ctx.moveTo(x, y1);
    ctx.lineTo(x - 4, y1 - 6 * dir);
    ctx.lineTo(x + 4, y1 - 6 * dir);
    ctx.fill();
  }));
  ctx.fillStyle = '#555';
  ctx.textBaseline = 'top';
  ctx.fillText('0 ms', LABEL_W, N * ROW + 3);
  const label = `${end.toFixed(1)} ms`;
  ctx.fillText(label, width - PAD_R - ctx.measureText(label).width, N * ROW + 3);
  return end;
}

/** The span at (x, y) in CSS pixels, with its device, or null. */
export function hitTest(timeline: TimelineEvent[][], width: number, x: number, y: number): { rank: number; e: TimelineEvent } | null {
  const r = Math.floor(y / ROW);
  if (r < 0 || r >= timeline.length || x < LABEL_W) return null;
  const end = Math.max(1e-3, ...timeline.flat().map((e) => e.t1));
  const t = ((x - LABEL_W) / (width - LABEL_W - PAD_R)) * end;
  const frac = (y - r * ROW) / ROW;
  const hits = timeline[r].filter((e) => t >= e.t0 && t <= e.t1 && frac >= band(e)[0] && frac <= band(e)[1]);
  return hits.length ? { rank: r, e: hits[hits.length - 1] } : null;
}

/** One line about a span, for the hover readout (devices named by `ids[rank]`). */
export function describeSpan(rank: number, e: TimelineEvent, ids: readonly number[] = []): string {
  const name = (r: number) => ids[r] ?? r;
  const id = name(rank);
  const when = `${e.t0.toFixed(1)}–${e.t1.toFixed(1)} ms`;
  const len = `${(e.t1 - e.t0).toFixed(1)} ms`;
  if (e.kind === 'wait') return `device ${id} waited ${len} for device ${e.peer === undefined ? '?' : name(e.peer)} (${when})`;
  if (e.kind === 'bucket') return `device ${id} reduced bucket ${e.bucket} (${((e.bytes ?? 0) / 1024).toFixed(0)} KB) in ${len} (${when})`;
  if (e.kind === 'compute') return `device ${id} computed micro-batch ${(e.micro ?? 0) + 1} in ${len} (${when})`;
  return `device ${id} updated its weights in ${len} (${when})`;
}
