// The replay clock both topology views share (src/ui/topology/replay.ts): at most FPS frames a second,
// none while paused, off screen or with reduced motion (then one still picture instead), a newer step
// taken only when the loop comes round, and a pause that resumes where it stopped. Driven by a fake
// 60 Hz display: the frame callbacks and performance.now() run on a clock the test advances, so nothing
// here depends on time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StepMetrics } from '../../src/run/metrics';
import { FPS, REPLAY_MS, replayClock, type Shown } from '../../src/ui/topology/replay';

let frames = new Map<number, (t: number) => void>();
let nextId = 1;
let now = 0;

beforeEach(() => {
  frames = new Map();
  now = 0;
  globalThis.requestAnimationFrame = (cb) => {
    frames.set(nextId, cb);
    return nextId++;
  };
  globalThis.cancelAnimationFrame = (id) => void frames.delete(id);
  vi.spyOn(performance, 'now').mockImplementation(() => now); // a frame's timestamp and performance.now() share a clock
});
afterEach(() => vi.restoreAllMocks());

/** Advance the display by `ms` in 60 Hz frames, running the callbacks due at each. */
function advance(ms: number): void {
  for (const end = now + ms; now < end - 1e-9;) {
    now += 1000 / 60;
    const due = [...frames.values()];
    frames.clear();
    due.forEach((cb) => cb(now));
  }
}

/** A 2-device step whose one bucket is on the wire from 2 to 6 ms of a 10 ms step. */
const step = (n: number): StepMetrics => {
  const bucket = { kind: 'bucket', bucket: 0, t0: 2, t1: 6, bytes: 4096 };
  return { step: n, msStep: 10, timeline: [[bucket], [bucket]] } as unknown as StepMetrics;
};
const ring = { allreduce: 'ring', zero: 0 } as const;

/** After a frame already asked for (which may still come once): no draw and no frame asked for in 2 s.
 *  Returns the number of draws. */
function expectIdle(draws: unknown[]): number {
  advance(100);
  const n = draws.length;
  advance(2000);
  expect(draws.length).toBe(n);
  expect(frames.size).toBe(0);
  return n;
}

function recorder(reducedMotion = false) {
  const draws: { step: number; t: number; f: number }[] = [];
  const stills: Shown[] = [];
  const clock = replayClock((s, t, f) => draws.push({ step: s.m.step, t, f }), { reducedMotion, still: (s) => stills.push(s) });
  return { clock, draws, stills };
}

describe('replay clock', () => {
  it(`draws at most ${FPS} frames a second, at step times inside the step's transfer window`, () => {
    const { clock, draws } = recorder();
    clock.show(step(1), ring as never);
    advance(1000);
    expect(draws.length).toBeGreaterThanOrEqual(FPS - 2);
    expect(draws.length).toBeLessThanOrEqual(FPS + 1);
    // the window is the transfers' span (2..6 ms) with a 10% lead either side
    for (const d of draws) {
      expect(d.t).toBeGreaterThanOrEqual(2 - 0.4 - 1e-9);
      expect(d.t).toBeLessThanOrEqual(6 + 0.4 + 1e-9);
    }
    expect(draws.map((d) => d.f)).toEqual([...draws.map((d) => d.f)].sort((a, b) => a - b)); // one loop: f only grows
  });

  it('keeps replaying a step until its loop comes round, then takes the newest one shown', () => {
    const { clock, draws } = recorder();
    clock.show(step(1), ring as never);
    advance(100);
    clock.show(step(2), ring as never);
    clock.show(step(3), ring as never);
    advance(REPLAY_MS - 300);
    expect(new Set(draws.map((d) => d.step))).toEqual(new Set([1]));
    advance(400);
    expect(draws.at(-1)!.step).toBe(3);
    expect(draws.some((d) => d.step === 2)).toBe(false);
  });

  it('asks for no frames while paused or off screen, and a resumed loop goes on where it stopped', () => {
    const { clock, draws } = recorder();
    clock.show(step(1), ring as never);
    advance(500);
    const f0 = draws.at(-1)!.f;
    clock.setPaused(true);
    const n = expectIdle(draws);
    clock.setPaused(false);
    advance(100);
    expect(draws.length).toBeGreaterThan(n);
    expect(Math.abs(draws[n].f - f0)).toBeLessThan(0.1); // not 2 s further on

    clock.setVisible(false);
    const m = expectIdle(draws);
    clock.setVisible(true);
    advance(100);
    expect(draws.length).toBeGreaterThan(m);
  });

  it('with reduced motion: one still picture per step shown and no frames at all', () => {
    const { clock, draws, stills } = recorder(true);
    clock.show(step(1), ring as never);
    clock.show(step(2), ring as never);
    advance(2000);
    expect(draws).toEqual([]);
    expect(frames.size).toBe(0);
    expect(stills.map((s) => s.m.step)).toEqual([1, 2]);
    expect(stills[0].transfers.length).toBeGreaterThan(0);
  });

  it('stops for good', () => {
    const { clock, draws } = recorder();
    clock.show(step(1), ring as never);
    advance(200);
    clock.stop();
    const n = draws.length;
    advance(1000);
    expect(draws.length).toBe(n);
  });
});
