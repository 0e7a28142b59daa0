// Merging the devices' step reports into one metrics line (the CLI contract of product.md plus the
// distributed fields). Per-device fields are arrays indexed by rank; the timeline's times are ms since
// the earliest device started the step.
// Legend: N = devices, G = N*K*B sequences per step, T = blockSize.
import { globalBatch, type RunConfig } from '../engine/config';
import type { CollectiveStat, DeviceStepReport, TimelineEvent } from '../engine/dist/report';
import type { StepMetrics } from '../engine/train/loop';

export interface DistStepMetrics extends StepMetrics {
  /** bytes_per_link[from][to] sent during the step. */
  bytes_per_link: number[][];
  /** Collectives of the step as seen by device 0 (buckets in launch order). */
  collectives: CollectiveStat[];
  /** Per device: compute spans, bucket reductions, waits (peer = the device waited for), update. */
  timeline: TimelineEvent[][];
  /** Share of device time (summed over devices) spent communicating or waiting. */
  comm_share: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** One metrics object from N device reports. */
export function mergeReports(reports: DeviceStepReport[], o: { cfg: RunConfig; msStep: number; tokens: number; epoch: number }): DistStepMetrics {
  const { cfg } = o;
  const d0 = reports[0];
  const G = globalBatch(cfg), T = cfg.blockSize;
  const origin = Math.min(...reports.flatMap((r) => r.timeline.map((e) => e.t0)));
  const lossSum = reports.reduce((a, r) => a + r.lossSum, 0);
  const total = reports.reduce((a, r) => a + r.msStep, 0);
  return {
    step: d0.step,
    loss: lossSum / (G * T),
    lr: d0.lr,
    grad_norm: d0.gradNorm,
    loss_scale: d0.lossScale,
    skipped: d0.skipped,
    tokens: o.tokens,
    tokens_per_s: (G * T * 1000) / o.msStep,
    ms_step: o.msStep,
    ms_compute: reports.map((r) => r2(r.msCompute)),
    ms_comm: reports.map((r) => r2(r.msComm)),
    ms_idle: reports.map((r) => r2(r.msIdle)),
    bytes_sent: reports.map((r) => r.bytesPerLink.reduce((a, b) => a + b, 0)),
    samples: reports.map((r) => r.samples),
    epoch: o.epoch,
    bytes_per_link: reports.map((r) => r.bytesPerLink),
    collectives: d0.collectives.map((c) => ({ ...c, ms: r2(c.ms), algbw_GBps: +c.algbw_GBps.toPrecision(3), busbw_GBps: +c.busbw_GBps.toPrecision(3) })),
    timeline: reports.map((r) => r.timeline.map((e) => ({ ...e, t0: r2(e.t0 - origin), t1: r2(e.t1 - origin) }))),
    comm_share: total > 0 ? reports.reduce((a, r) => a + r.msComm + r.msIdle, 0) / total : 0,
  };
}
