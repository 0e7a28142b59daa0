// Shared benchmark plumbing: timing by medians, the JSON report of product.md, a table, and result files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Timing { median_ms: number; min_ms: number; runs: number; [extra: string]: number | string }

export interface BenchCase {
  name: string;
  params: Record<string, unknown>;
  ours: Timing;
  peer: (Timing & { name: string }) | null;
  /** peer median / our median: above 1, we are faster. */
  ratio: number | null;
}

export interface BenchReport {
  suite: string;
  machine: { cpu: string; cores: number; memory_gb: number; node: string; adapter?: string };
  cases: BenchCase[];
}

export interface BenchOptions { json: boolean; backend: string; quick: boolean; args: string[] }

export type Suite = (opts: BenchOptions) => Promise<BenchReport>;

export function machine(adapter?: string): BenchReport['machine'] {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, ...(adapter ? { adapter } : {}) };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Time fn: `warmup` untimed calls, then repeat until `minRuns` and `minMs` are both reached (capped at maxRuns). */
export async function time(fn: () => unknown, opts: { warmup?: number; minRuns?: number; minMs?: number; maxRuns?: number } = {}): Promise<Timing> {
  const { warmup = 2, minRuns = 5, minMs = 300, maxRuns = 200 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  const start = performance.now();
  while (ms.length < maxRuns && (ms.length < minRuns || performance.now() - start < minMs)) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { median_ms: median(ms), min_ms: Math.min(...ms), runs: ms.length };
}

/** Time several functions in turns (one call each per round) so load drifting on a shared machine hits
 *  all of them alike: `warmup` untimed rounds, then rounds until `minRuns` and `minMs` are both reached
 *  (capped at maxRuns). With `warm`, each timed call follows an untimed call of the same function, so it
 *  finds its own data in cache rather than the other's (for kernels of a millisecond or less, where a
 *  cold L2 costs as much as the arithmetic). One Timing per function, in order. */
export async function timeInterleaved(fns: (() => unknown)[], opts: { warmup?: number; minRuns?: number; minMs?: number; maxRuns?: number; warm?: boolean } = {}): Promise<Timing[]> {
  const { warmup = 2, minRuns = 5, minMs = 300, maxRuns = 200, warm = false } = opts;
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const ms: number[][] = fns.map(() => []);
  const start = performance.now();
  while (ms[0].length < maxRuns && (ms[0].length < minRuns || performance.now() - start < minMs)) {
    for (let f = 0; f < fns.length; f++) {
      if (warm) await fns[f]();
      const t0 = performance.now();
      await fns[f]();
      ms[f].push(performance.now() - t0);
    }
  }
  return ms.map((m) => ({ median_ms: median(m), min_ms: Math.min(...m), runs: m.length }));
}

export function ratio(ours: Timing, peer: Timing | null): number | null {
  return peer ? peer.median_ms / ours.median_ms : null;
}

/** Human-readable table of a report. */
export function table(r: BenchReport): string {
  const rows = r.cases.map((c) => [
    c.name,
    c.ours.median_ms.toFixed(3),
    ...extraCols(c.ours),
    c.peer ? `${c.peer.name} ${c.peer.median_ms.toFixed(3)}` : '-',
    c.ratio === null ? '-' : `${c.ratio.toFixed(2)}x`,
  ]);
  const head = ['case', 'ours ms', ...extraHead(r.cases[0]?.ours), 'peer ms', 'peer/ours'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((row) => String(row[i] ?? '').length)));
  return [`suite ${r.suite} on ${r.machine.cpu} (${r.machine.cores} cores${r.machine.adapter ? `, ${r.machine.adapter}` : ''})`, ...all.map((row) => row.map((v, i) => String(v ?? '').padEnd(w[i])).join('  '))].join('\n');
}

const shown = (t?: Timing) => Object.keys(t ?? {}).filter((k) => !['median_ms', 'min_ms', 'runs'].includes(k));
const extraHead = (t?: Timing) => shown(t);
const extraCols = (t: Timing) => shown(t).map((k) => (typeof t[k] === 'number' ? (t[k] as number).toPrecision(4) : String(t[k])));

/** Write bench/results/<suite>-<tag>.json and return the path. */
export function save(r: BenchReport, tag: string): string {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.suite}-${tag}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  return file;
}
