// Timing inside the bench page: warm-up calls (the first one timed separately: shader compilation), then
// the median of repeated calls. Every timed call ends in a readback, so GPU work is really finished.
export interface PageTiming { median_ms: number; min_ms: number; runs: number; first_ms: number }

export async function timeAsync(fn: () => Promise<unknown>, opts: { warmup: number; runs: number; maxMs: number }): Promise<PageTiming> {
  const t0 = performance.now();
  await fn();
  const first_ms = performance.now() - t0;
  for (let i = 1; i < opts.warmup; i++) await fn();
  const ms: number[] = [];
  const start = performance.now();
  while (ms.length < opts.runs && (ms.length < 2 || performance.now() - start < opts.maxMs)) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  const s = [...ms].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median_ms: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min_ms: s[0], runs: s.length, first_ms };
}
