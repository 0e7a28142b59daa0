// One optimizer step's metrics, merged from the devices' reports: the same fields for 1 and N devices.
// Per-device fields are arrays indexed by rank; timeline times are ms since the earliest device started
// the step. Spelled once, in camelCase; the CLI's snake_case names (product.md) are made only where
// metrics.jsonl is written (src/cli/metrics-file.ts).
// Legend: N = devices, G = N*K*B sequences per step, T = blockSize; ms; bytes.
import type { BackendName } from '../engine/backend/adapter';
import type { MemoryUse } from '../engine/backend/metered';
import { globalBatch, type RunConfig } from '../engine/config';
import type { CollectiveStat, DeviceStepReport, TimelineEvent } from '../engine/dist/report';

export interface StepMetrics {
  step: number;
  /** Mean per-token training loss of the global batch (nats). */
  loss: number;
  lr: number;
  /** Global gradient norm before clipping (NaN on a skipped step). */
  gradNorm: number;
  lossScale: number;
  skipped: boolean;
  /** Tokens trained on so far (all devices). */
  tokens: number;
  tokensPerS: number;
  msStep: number;
  msCompute: number[];
  msComm: number[];
  msIdle: number[];
  bytesSent: number[];
  /** samples[device][microStep] = the window start offsets (into the train token stream). */
  samples: number[][][];
  epoch: number;
  /** bytesPerLink[from][to] sent during the step. */
  bytesPerLink: number[][];
  /** Collectives of the step as seen by device 0 (buckets in launch order). */
  collectives: CollectiveStat[];
  /** Per device: compute spans, bucket reductions, waits (peer = the device waited for), update. */
  timeline: TimelineEvent[][];
  /** Share of device time (summed over devices) spent communicating or waiting. */
  commShare: number;
  /** The backend the devices train on. */
  backend: BackendName;
  /** Per device: bytes its backend held during the step by kind (weights, grads, optimizer, EMA,
   *  activations), measured from its own allocations (peak and at the end of the step). */
  memory: MemoryUse[];
  /** Per device: bytes read back from its backend to the host during the step. */
  readbackBytes: number[];
  valLoss?: number;
  valLossEma?: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const none = { weights: 0, grads: 0, optimizer: 0, ema: 0, activations: 0 };
const EMPTY: MemoryUse = { live: none, peak: none };

/** One metrics object from the N device reports of a step. */
export function mergeReports(reports: DeviceStepReport[], o: { cfg: RunConfig; msStep: number; tokens: number; epoch: number; backend: BackendName }): StepMetrics {
  const d0 = reports[0];
  const G = globalBatch(o.cfg), T = o.cfg.blockSize;
  const origin = Math.min(...reports.flatMap((r) => r.timeline.map((e) => e.t0)));
  const lossSum = reports.reduce((a, r) => a + r.lossSum, 0);
  const total = reports.reduce((a, r) => a + r.msStep, 0);
  return {
    step: d0.step,
    loss: lossSum / (G * T),
    lr: d0.lr,
    gradNorm: d0.gradNorm,
    lossScale: d0.lossScale,
    skipped: d0.skipped,
    tokens: o.tokens,
    tokensPerS: (G * T * 1000) / o.msStep,
    msStep: o.msStep,
    msCompute: reports.map((r) => r2(r.msCompute)),
    msComm: reports.map((r) => r2(r.msComm)),
    msIdle: reports.map((r) => r2(r.msIdle)),
    bytesSent: reports.map((r) => r.bytesPerLink.reduce((a, b) => a + b, 0)),
    samples: reports.map((r) => r.samples),
    epoch: o.epoch,
    bytesPerLink: reports.map((r) => r.bytesPerLink),
    collectives: d0.collectives.map((c) => ({ ...c, ms: r2(c.ms), algbwGBps: +c.algbwGBps.toPrecision(3), busbwGBps: +c.busbwGBps.toPrecision(3) })),
    timeline: reports.map((r) => r.timeline.map((e) => ({ ...e, t0: r2(e.t0 - origin), t1: r2(e.t1 - origin) }))),
    commShare: total > 0 ? reports.reduce((a, r) => a + r.msComm + r.msIdle, 0) / total : 0,
    backend: o.backend,
    memory: reports.map((r) => r.memory ?? EMPTY),
    readbackBytes: reports.map((r) => r.readbackBytes ?? 0),
  };
}
