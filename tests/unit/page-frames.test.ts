// The page's frame budget (src/ui/frames.ts): a redraw asked twice before its frame runs once, and a
// frame stops running queued draws once BUDGET_MS is spent, leaving the rest to the next frames.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUDGET_MS, cancelDraw, requestDraw } from '../../src/ui/frames';

afterEach(() => vi.restoreAllMocks());

describe('frame queue', () => {
  it('coalesces repeated requests and spreads draws over frames by the budget', () => {
    const frames: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb));
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const drawn: string[] = [];
    const draw = (name: string, ms: number) => () => {
      now += ms;
      drawn.push(name);
    };
    const [a, b, c, d] = [{}, {}, {}, {}];
    requestDraw(a, draw('a-old', 1));
    requestDraw(a, draw('a', BUDGET_MS / 2)); // replaces the first request
    requestDraw(b, draw('b', BUDGET_MS / 2 + 1)); // the frame is over budget after b
    requestDraw(c, draw('c', 1));
    requestDraw(d, draw('d', 1));
    cancelDraw(d);
    expect(frames).toHaveLength(1); // one frame asked for, however many draws
    frames.shift()!(0);
    expect(drawn).toEqual(['a', 'b']);
    expect(frames).toHaveLength(1); // the rest goes to the next frame
    frames.shift()!(16);
    expect(drawn).toEqual(['a', 'b', 'c']);
    expect(frames).toHaveLength(0);
    vi.unstubAllGlobals();
  });
});
