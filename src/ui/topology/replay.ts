// Replays the latest step's transfers on the topology, slowed down. One clock (replayClock) serves the
// SVG view and the 3D view: an animation-frame loop (no React render per frame), at most FPS times a
// second, and only while the drawing is on screen and not paused; with reduced motion it never runs. A
// loop shows the step's communication (replayWindow: the allreduce part of the step, where the transfers
// are) over REPLAY_MS of wall time; a newer step is picked up when the loop comes round. The SVG view
// (startReplay) moves a pool of dots along the links, coloured by phase, a bar shows how far through the
// step the replay is, and the caption (rewritten only when it changes) says which phase and step of it is
// on screen.
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

/** A step as the replay shows it: its transfers and the window of step time they fall in. */
export interface Shown { m: StepMetrics; transfers: Transfer[]; w: { t0: number; t1: number } }

export interface Replay {
  /** Replay this step from the next loop on. */
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

/** The loop: `draw(shown, t, f, now)` on each frame it runs, with t the step time on screen (ms) and f the
 *  fraction of the loop done; `still(shown)` instead of any motion when reducedMotion (by default the
 *  browser's prefers-reduced-motion). */
export function replayClock(draw: (s: Shown, t: number, f: number, now: number) => void, o: { reducedMotion?: boolean; still?: (s: Shown) => void } = {}): Replay {
  const reducedMotion = o.reducedMotion ?? window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  let pending: Shown | null = null;
  let current: Shown | null = null;
  let loopStart = 0, frame = 0, paused = false, pausedAt = 0, visible = typeof IntersectionObserver === 'undefined', last = -Infinity;
  const running = () => !paused && visible && !reducedMotion;
  const wake = () => {
    if (!frame && running()) frame = requestAnimationFrame(tick);
  };

  function tick(now: number): void {
    frame = 0;
    // a frame sooner than 1/FPS after the last one drawn is skipped (2 ms of slack for frame jitter)
    if (now - last >= 1000 / FPS - 2) {
      last = now;
      if (pending && (!current || now - loopStart >= REPLAY_MS)) [current, pending, loopStart] = [pending, null, now];
      if (!current) return;
      const f = ((now - loopStart) % REPLAY_MS) / REPLAY_MS;
      draw(current, current.w.t0 + f * (current.w.t1 - current.w.t0), f, now);
    }
    wake();
  }

  return {
    show(m, cfg) {
      const transfers = transfersOf(m, cfg);
      pending = { m, transfers, w: replayWindow(transfers, m.msStep) };
      if (reducedMotion) o.still?.(pending);
      else wake();
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
    },
  };
}

/** The SVG view's replay: dots on the links, the progress bar and the caption. */
export function startReplay(target: ReplayTarget): Replay {
  const dots: SVGCircleElement[] = [];
  const dot = (i: number) => {
    while (dots.length <= i) {
      const c = document.createElementNS(SVG, 'circle');
      c.setAttribute('r', '0.055');
      target.layer.appendChild(c);
      dots.push(c);
    }
    return dots[i];
  };
  const clock = replayClock(({ m, transfers, w }, t, f) => {
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
  }, {
    // no motion: say what the step moved instead
    still: ({ m, transfers }) => (target.caption.textContent = `step ${m.step}: ${transfers.length} transfers in ${m.msStep.toFixed(1)} ms (animation off: reduced motion)`),
  });
  return {
    ...clock,
    stop() {
      clock.stop();
      dots.forEach((d) => d.remove());
    },
  };
}
