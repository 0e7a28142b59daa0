// Main-thread drawing on a budget: views queue their redraws here instead of each taking its own
// animation frame, and each frame runs queued draws only until BUDGET_MS is spent (at least one), the
// rest on the next frames, so a step that touches every chart never becomes one long task competing
// with the device workers. A view that is off screen is not drawn at all: it is marked and drawn when it
// scrolls into view (watchVisible).
// Legend: ms.

/** Frame time the queued draws may use (a 60 Hz frame is 16.7 ms; the rest is style, layout, paint). */
export const BUDGET_MS = 8;

const queue = new Map<object, () => void>();
let frame = 0;

function run(): void {
  frame = 0;
  const t0 = performance.now();
  for (const [key, draw] of queue) {
    queue.delete(key);
    draw();
    if (performance.now() - t0 > BUDGET_MS) break;
  }
  if (queue.size) frame = requestAnimationFrame(run);
}

/** Draw `draw` on a coming frame; a second request under the same key before then replaces the first. */
export function requestDraw(key: object, draw: () => void): void {
  queue.set(key, draw);
  if (!frame) frame = requestAnimationFrame(run);
}

/** Forget a queued draw (the view is going away). */
export function cancelDraw(key: object): void {
  queue.delete(key);
}

/** Track whether `el` is on screen; `onChange` hears each change. Returns the visibility getter and a
 *  disconnect. Where IntersectionObserver is missing, everything counts as visible. */
export function watchVisible(el: Element, onChange: (visible: boolean) => void): { visible: () => boolean; stop: () => void } {
  if (typeof IntersectionObserver === 'undefined') return { visible: () => true, stop: () => undefined };
  let visible = false;
  const io = new IntersectionObserver((entries) => {
    const now = entries[entries.length - 1].isIntersecting;
    if (now === visible) return;
    visible = now;
    onChange(now);
  }, { rootMargin: '100px' });
  io.observe(el);
  return { visible: () => visible, stop: () => io.disconnect() };
}
