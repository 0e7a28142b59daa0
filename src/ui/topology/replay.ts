// Replays the latest step's transfers on the topology, slowed down: one animation-frame loop moves a
// pool of dots along the links (no React render per frame), at most FPS times a second and only while
// the drawing is on screen. A loop shows the step's communication (replayWindow: the allreduce part of
// the step, where the transfers are) over REPLAY_MS of wall time; a newer step is picked up when the
// loop comes round. Dots are coloured by phase, a bar shows how far through the step
// the replay is, and the caption (rewritten only when it changes) says which phase and step of it is on
// screen. With reduced motion the loop does not run.
// Legend: ms of the step's own time (t) vs wall-clock ms of the replay.
import type { RunConfig } from '../../engine/config';
import type { StepMetrics } from '../../run/metrics';
import { progressAt, replayWindow, transfersOf, type Phase, type Transfer } from '../../state/topology';
import type { Curve } from './geometry';

export const REPLAY_MS = 3000;
/** Frames per second of the replay: smooth enough for dots, and half the main-thread work of 60. */
export const FPS = 30;
export const PHASE_COLOR: Record<Phase, string> = { 'reduce-scatter': '#e0a030', 'all-gather': '#2e9d5a', reduce: '#e0a030', broadcast: '#2e9d5a' };
const SVG = 'http://www.w3.org/2000/svg';

export interface ReplayTarget {
  layer: SVGGElement;
  caption: HTMLElement;
  /** A bar whose width (0..`barWidth`) follows the replay through the step. */
  bar: SVGRectElement;
  barWidth: number;
  curveOf: (from: number, to: number) => Curve | undefined;
}

export interface Replay {
  show(m: StepMetrics, cfg: RunConfig): void;
  setPaused(p: boolean): void;
  /** Off screen: no frames at all until visible again. */
  setVisible(v: boolean): void;
  stop(): void;
}

/** What is on screen, in words (the same text for a whole phase step, so it is rewritten rarely). */
export function captionAt(active: Transfer[], m: StepMetrics, w: { t0: number; t1: number }): string {
  const head = `step ${m.step}, ${w.t0.toFixed(1)}–${w.t1.toFixed(1)} ms of ${m.msStep.toFixed(1)} ms, replayed ${Math.round(REPLAY_MS / Math.max(w.t1 - w.t0, 1e-3))}x slower`;
  if (!active.length) return `${head}: computing or waiting, nothing on the wire`;
  const x = active[0];
  const what = x.bucket < 0 ? 'weights (ZeRO-1)' : `bucket ${x.bucket}`;
  const chunk = x.chunk === null ? 'whole bucket' : 'one chunk per link';
  return `${head}: ${x.phase} step ${x.stepNo} of ${x.stepsInPhase}, ${what}, ${chunk}`;
}

export function startReplay(target: ReplayTarget, reducedMotion: boolean): Replay {
  type Shown = { m: StepMetrics; transfers: Transfer[]; w: { t0: number; t1: number } };
  let pending: Shown | null = null;
  let current: Shown | null = null;
  let loopStart = 0, frame = 0, paused = false, pausedAt = 0, visible = typeof IntersectionObserver === 'undefined', last = -Infinity;
  const dots: SVGCircleElement[] = [];
  const running = () => !paused && visible && !reducedMotion;
  const wake = () => {
    if (!frame && running()) frame = requestAnimationFrame(tick);
  };

  const dot = (i: number) => {
    while (dots.length <= i) {
      const c = document.createElementNS(SVG, 'circle');
      c.setAttribute('r', '0.055');
      target.layer.appendChild(c);
      dots.push(c);
    }
    return dots[i];
  };

  function tick(now: number): void {
    frame = 0;
    if (now - last < 1000 / FPS - 2) {
      if (running()) frame = requestAnimationFrame(tick);
      return;
    }
    last = now;
    if (pending && (!current || now - loopStart >= REPLAY_MS)) {
      current = pending;
      pending = null;
      loopStart = now;
    }
    const shown: Shown | null = current;
    if (!shown) return;
    const { m, transfers, w } = shown;
    const f = ((now - loopStart) % REPLAY_MS) / REPLAY_MS;
    const t = w.t0 + f * (w.t1 - w.t0);
    const active = transfers.filter((x) => progressAt(x, t) !== null);
    active.forEach((x, i) => {
      const c = target.curveOf(x.from, x.to);
      const p = c?.at(progressAt(x, t)!);
      const el = dot(i);
      if (!p) return el.setAttribute('visibility', 'hidden');
      el.setAttribute('cx', p.x.toFixed(4));
      el.setAttribute('cy', p.y.toFixed(4));
      el.setAttribute('fill', PHASE_COLOR[x.phase]);
      el.setAttribute('visibility', 'visible');
    });
    for (let i = active.length; i < dots.length; i++) if (dots[i].getAttribute('visibility') !== 'hidden') dots[i].setAttribute('visibility', 'hidden');
    target.bar.setAttribute('width', (f * target.barWidth).toFixed(4));
    const text = captionAt(active, m, w);
    if (target.caption.textContent !== text) target.caption.textContent = text;
    if (running()) frame = requestAnimationFrame(tick);
  }

  return {
    show(m, cfg) {
      const transfers = transfersOf(m, cfg);
      const next: Shown = { m, transfers, w: replayWindow(transfers, m.msStep) };
      pending = next;
      if (reducedMotion) {
        // no motion: say what the step moved instead
        const n = next.transfers.length;
        target.caption.textContent = `step ${m.step}: ${n} transfers in ${m.msStep.toFixed(1)} ms (animation off: reduced motion)`;
        return;
      }
      wake();
    },
    setPaused(p) {
      if (p === paused) return;
      paused = p;
      const now = performance.now();
      if (p) pausedAt = now;
      else {
        loopStart += now - pausedAt; // resume where it stopped
        wake();
      }
    },
    setVisible(v) {
      visible = v;
      wake();
    },
    stop() {
      cancelAnimationFrame(frame);
      frame = 0;
      dots.forEach((d) => d.remove());
    },
  };
}
