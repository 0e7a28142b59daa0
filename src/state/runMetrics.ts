// What the page keeps of a run's per-step metrics: the loss curve (val loss where evaluated), throughput,
// progress, and each device's step-time split and bytes sent. Pure: the runner folds each step's merged
// metrics in with addStep, the store holds the result.
// Legend: N = devices; ms; bytes; tokens = sequences x block size.
import type { StepMetrics } from '../engine/train/loop';

export interface DeviceSplit {
  /** Mean ms per step (the first step is left out once there are others: it includes warm-up). */
  compute: number;
  comm: number;
  idle: number;
  /** Mean bytes sent per step, and the total over the run. */
  bytesPerStep: number;
  bytesTotal: number;
}

export interface RunMetrics {
  steps: number;
  /** Chart columns: step number, training loss, validation loss (null where not evaluated). */
  x: number[];
  loss: number[];
  val: (number | null)[];
  tokens: number;
  /** Wall-clock ms since the first step started. */
  elapsedMs: number;
  tokensPerS: number;
  etaMs: number;
  devices: DeviceSplit[];
  /** Sums over counted steps, to form the means in `devices`. */
  sums: { n: number; compute: number[]; comm: number[]; idle: number[]; bytes: number[] };
  bytesTotal: number[];
}

/** Nothing trained yet, for a run of `steps` steps on N devices. */
export function emptyRun(steps: number, N: number): RunMetrics {
  const zeros = () => new Array<number>(N).fill(0);
  return {
    steps, x: [], loss: [], val: [], tokens: 0, elapsedMs: 0, tokensPerS: 0, etaMs: NaN,
    devices: Array.from({ length: N }, () => ({ compute: 0, comm: 0, idle: 0, bytesPerStep: 0, bytesTotal: 0 })),
    sums: { n: 0, compute: zeros(), comm: zeros(), idle: zeros(), bytes: zeros() },
    bytesTotal: zeros(),
  };
}

const add = (a: number[], b: number[]) => a.map((v, i) => v + (b[i] ?? 0));

/** Fold in one optimizer step's metrics, `elapsedMs` after the first step started. */
export function addStep(r: RunMetrics, m: StepMetrics, elapsedMs: number): RunMetrics {
  // Step 1 carries JIT and allocation warm-up; once a second step exists, the means start over from it.
  const restart = r.x.length === 1;
  const base = restart ? emptyRun(r.steps, r.devices.length).sums : r.sums;
  const sums = {
    n: base.n + 1,
    compute: add(base.compute, m.ms_compute), comm: add(base.comm, m.ms_comm),
    idle: add(base.idle, m.ms_idle), bytes: add(base.bytes, m.bytes_sent),
  };
  const bytesTotal = add(r.bytesTotal, m.bytes_sent);
  const perStep = elapsedMs / m.step;
  return {
    ...r,
    x: [...r.x, m.step], loss: [...r.loss, m.loss], val: [...r.val, m.val_loss ?? null],
    tokens: m.tokens, elapsedMs,
    tokensPerS: elapsedMs > 0 ? (m.tokens * 1000) / elapsedMs : 0,
    etaMs: perStep * (r.steps - m.step),
    sums, bytesTotal,
    devices: sums.compute.map((_, d) => ({
      compute: sums.compute[d] / sums.n, comm: sums.comm[d] / sums.n, idle: sums.idle[d] / sums.n,
      bytesPerStep: sums.bytes[d] / sums.n, bytesTotal: bytesTotal[d],
    })),
  };
}
