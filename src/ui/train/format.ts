// Number formats for the run views (ms, durations, rates). Bytes use the engine's fmt().

/** Milliseconds with one decimal below 100 ms. */
export const ms = (x: number): string => (x < 100 ? x.toFixed(1) : Math.round(x).toString());

/** A duration as m:ss (or "–" when unknown). */
export function duration(msTotal: number): string {
  if (!Number.isFinite(msTotal)) return '–';
  const s = Math.round(msTotal / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A rate rounded to a whole number, with thousands separators. */
export const rate = (x: number): string => Math.round(x).toLocaleString('en-US');
