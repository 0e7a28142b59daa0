// What one device reports per step: where its time went (compute / communication / idle), bytes per
// link, each collective's bandwidth, and a timeline of compute, bucket reductions, waits (with the
// peer waited for) and the update. Idle is time blocked on peers with nothing else to do; communication
// is this thread's work for collectives (reductions, copies, posting, gradient copies in and out);
// compute is the rest. A bucket's span overlapping a compute span is overlap made visible.
// Legend: N = devices, S = bytes reduced; ms throughout; timeline times are epoch ms (comparable across
// workers, whose performance.now() origins differ).

import type { MemoryUse } from '../backend/metered';
import { busFactor, type Comm } from '../collectives';

export interface TimelineEvent {
  kind: 'compute' | 'bucket' | 'wait' | 'update';
  t0: number;
  t1: number;
  /** compute: micro-step index. */
  micro?: number;
  /** bucket: id (0 = the last parameters, reduced first). */
  bucket?: number;
  bytes?: number;
  /** wait: the rank this device was waiting for. */
  peer?: number;
}

/** One collective of a step: bytes reduced, duration, and nccl-tests' algorithm and bus bandwidth (GB/s). */
export interface CollectiveStat { name: string; bytes: number; ms: number; algbwGBps: number; busbwGBps: number }

export interface DeviceStepReport {
  rank: number;
  step: number;
  /** Sum of this device's per-token losses (unscaled). */
  lossSum: number;
  lr: number;
  gradNorm: number;
  lossScale: number;
  skipped: boolean;
  /** samples[microStep] = window start offsets. */
  samples: number[][];
  msStep: number;
  msCompute: number;
  msComm: number;
  msIdle: number;
  /** Bytes sent to each rank during the step. */
  bytesPerLink: number[];
  collectives: CollectiveStat[];
  timeline: TimelineEvent[];
  /** Bytes this device's backend held during the step, per kind (peak and at the end), when metered. */
  memory?: MemoryUse;
  /** Bytes read back from the backend to the host during the step, when metered. */
  readbackBytes?: number;
}

/** Measures one step on one device. */
export class StepClock {
  readonly t0 = performance.now();
  private readonly busy0: number;
  private readonly sent0: number[];
  private extraComm = 0;
  private idleMs = 0;
  private inIdle = 0;
  private idleStart = 0;
  readonly events: TimelineEvent[] = [];

  constructor(readonly c: Comm) {
    this.busy0 = c.busyMs;
    this.sent0 = c.transport.sent.map((s) => s.bytes);
    c.takeRecords();
    c.transport.onWait = (peer, t0, t1) => {
      if (this.inIdle > 0 && t1 - t0 > 0.05) this.events.push({ kind: 'wait', peer, t0: Math.max(t0, this.idleStart), t1 });
    };
  }

  now = (): number => performance.now();

  event(e: TimelineEvent): void {
    this.events.push(e);
  }

  /** Host-side communication work (gradient copies in and out of the backend). */
  async comm<T>(fn: () => Promise<T>): Promise<T> {
    const t = this.now();
    try {
      return await fn();
    } finally {
      this.extraComm += this.now() - t;
    }
  }

  commSync(fn: () => void): void {
    const t = this.now();
    fn();
    this.extraComm += this.now() - t;
  }

  /** Await communication with nothing else to do: the part not spent working for it is idle. */
  async idle<T>(fn: () => Promise<T>): Promise<T> {
    const t = this.now(), b = this.c.busyMs, e = this.extraComm;
    if (this.inIdle++ === 0) this.idleStart = t;
    try {
      return await fn();
    } finally {
      this.inIdle--;
      this.idleMs += this.now() - t - (this.c.busyMs - b) - (this.extraComm - e);
    }
  }

  get msIdle(): number {
    return this.idleMs;
  }

  get msComm(): number {
    return this.c.busyMs - this.busy0 + this.extraComm;
  }

  bytesPerLink(): number[] {
    return this.c.transport.sent.map((s, i) => s.bytes - this.sent0[i]);
  }
}

const factorOf = (name: string, N: number) => (name.includes('allreduce') ? busFactor.allreduce(N) : name.includes('broadcast') ? 1 : busFactor.allGather(N));

/** Close the step: the report a device sends to the coordinator. */
export function collectReport(clock: StepClock, base: Pick<DeviceStepReport, 'rank' | 'step' | 'lossSum' | 'lr' | 'gradNorm' | 'lossScale' | 'skipped' | 'samples'>): DeviceStepReport {
  const msStep = clock.now() - clock.t0;
  const N = clock.c.size;
  const origin = performance.timeOrigin;
  const collectives = clock.c.takeRecords().map((r) => {
    const ms = r.t1 - r.t0;
    const algbw = (r.n * 4) / (ms / 1000) / 1e9;
    return { name: r.name, bytes: r.n * 4, ms, algbwGBps: algbw, busbwGBps: algbw * factorOf(r.name, N) };
  });
  clock.c.transport.onWait = undefined;
  return {
    ...base,
    msStep,
    msComm: clock.msComm,
    msIdle: Math.max(0, clock.msIdle),
    msCompute: Math.max(0, msStep - clock.msComm - clock.msIdle),
    bytesPerLink: clock.bytesPerLink(),
    collectives,
    timeline: clock.events.map((e) => ({ ...e, t0: e.t0 + origin, t1: e.t1 + origin })),
  };
}
