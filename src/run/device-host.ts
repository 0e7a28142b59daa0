// One device as a set of calls that never throw: build it (backend, transport to the peers, DistDevice),
// broadcast weights, step, evaluate, read weights, close. Every result is an Outcome, every failure a
// RunFailure record, so the same object serves a device worker (comlink exposes it) and a device in
// this thread (LocalGroup). A device that fails tells its peers at once (transport abort), so they stop
// waiting for it and report ABORTED, naming it.
// Legend: N = devices, r = rank; ms.
import type { BackendHandle } from '../engine/backend/create';
import { MeteredBackend } from '../engine/backend/metered';
import type { BackendName } from '../engine/backend/adapter';
import { Comm, PortTransport, type LinkModel, type PortLike } from '../engine/collectives';
import type { RunConfig } from '../engine/config';
import { DistDevice, type DeviceData, type WorkItem } from '../engine/dist/device';
import type { ReplicaState } from '../engine/train/replica';
import { modelStateMemory } from '../engine/dist/memory';
import type { DeviceStepReport } from '../engine/dist/report';
import { failureOf } from '../engine/errors';
import type { DeviceInfo, Fault, Outcome } from './group';

export interface DeviceInit {
  /** Position in the group (0..N-1). */
  rank: number;
  /** Which device this is (a straggler and injected faults are named by it); default: rank. After
   *  elastic recovery the survivors keep their ids and get new ranks. */
  id?: number;
  /** The micro-batches this device trains per step (default: its rank's own; see DistDevice). */
  work?: WorkItem[];
  /** Settings with `backend` already resolved (never 'auto': decided once for the group). */
  cfg: RunConfig;
  data: DeviceData;
  /** ports[k] = this rank's end of the channel to rank k (null at k = r). */
  ports: (PortLike | null)[];
  /** A collective that hears nothing from a peer for this long fails, naming it (default cfg.timeout). */
  timeoutMs?: number;
  fault?: Fault | null;
}

/** End this worker's thread at once (worker_threads: process.exit ends only the worker; browsers: close). */
function exitThread(): void {
  const p = (globalThis as { process?: { exit(code: number): void } }).process;
  if (p) p.exit(1);
  else (globalThis as unknown as { close(): void }).close();
}

/** The weight broadcast and the first step wait at least this long for a peer: that is when JIT warm-up
 *  and WebGPU pipeline compilation happen, which can take many seconds on a software adapter. */
const WARMUP_TIMEOUT_MS = 60_000;
/** After warm-up, a peer is silent only when quiet for longer than this many of our own last steps. */
const STEPS_OF_PATIENCE = 3;

/** What a device holds that a checkpoint needs: its step, and its replica's state (weights, EMA and loss
 *  scale only when asked for `full`; its own range of optimizer state always). */
export interface DeviceState { step: number; replica: Omit<ReplicaState, 'params' | 'ema'> & { params: Float32Array | null; ema: Float32Array | null } }

export type MakeBackend = (kind: BackendName) => Promise<BackendHandle>;

export type DeviceHost = ReturnType<typeof deviceHost>;

/** The calls of one device; `makeBackend` creates its compute backend on this thread. */
export function deviceHost(makeBackend: MakeBackend) {
  let device: DistDevice | null = null;
  let backend: BackendHandle | null = null;
  let metered: MeteredBackend | null = null;
  let fault: Fault | null = null;
  let rank: number | null = null;
  let steadyTimeoutMs = 0;

  /** Run fn; a throw becomes this device's failure record and aborts the transport so peers stop waiting. */
  async function guard<T>(fn: (d: DistDevice) => Promise<T>, step = (device?.step ?? 0) + 1): Promise<Outcome<T>> {
    try {
      if (!device) throw new Error('device: init() first');
      return { ok: true, value: await fn(device) };
    } catch (e) {
      const failure = failureOf(e, rank, step);
      device?.comm.transport.abort(`device ${rank} failed: ${failure.message}`);
      return { ok: false, failure };
    }
  }

  return {
    /** Build this device: backend, replica (same seed everywhere), ZeRO shard, transport to the peers. */
    async init(o: DeviceInit): Promise<Outcome<DeviceInfo>> {
      rank = o.rank;
      const { cfg } = o;
      const transport = new PortTransport(o.rank, o.ports, { bandwidth: cfg.linkBw * 1e9, latency: cfg.linkLatency / 1000 } satisfies LinkModel);
      try {
        backend = await makeBackend(cfg.backend === 'auto' ? 'cpu' : cfg.backend);
        const id = o.id ?? o.rank;
        const slow = cfg.slowDevice && cfg.slowDevice.rank === id ? cfg.slowDevice.factor : 1;
        steadyTimeoutMs = o.timeoutMs ?? cfg.timeout * 1000;
        const timeoutMs = Math.max(steadyTimeoutMs, WARMUP_TIMEOUT_MS);
        metered = new MeteredBackend(backend.backend);
        device = new DistDevice(metered, cfg, new Comm(transport, { timeoutMs }), o.data, { slowFactor: slow, work: o.work });
      } catch (e) {
        const failure = failureOf(e, o.rank, 0);
        transport.abort(`device ${o.rank} failed: ${failure.message}`);
        return { ok: false, failure };
      }
      fault = o.fault ?? null;
      const opt = device.replica.optimizer;
      const memory = modelStateMemory(device.replica.numParams, cfg.devices, cfg.zero, opt.state.length * (opt.hi - opt.lo), opt.state.length, device.replica.model.grads.bytes);
      return { ok: true, value: { rank: o.rank, id: o.id ?? o.rank, backend: backend.name, backendDetail: backend.detail, shard: [device.lo, device.hi], memory } };
    },

    broadcastWeights: (): Promise<Outcome<void>> => guard((d) => d.broadcastWeights(), 0),

    /** One optimizer step (all devices at once); this device's report. */
    step: (): Promise<Outcome<DeviceStepReport>> =>
      guard(async (d) => {
        if (fault && fault.step === d.step + 1) {
          if (fault.mode === 'hang') for (;;); // a device that stops answering: the thread never yields again
          if (fault.mode === 'exit') exitThread();
          if (fault.mode === 'nan') {
            const p = await d.replica.getParams();
            p[0] = NaN;
            d.replica.setParams(p);
          } else throw new Error(`device ${rank}: injected failure at step ${d.step + 1}`);
        }
        metered!.resetPeaks();
        const read0 = metered!.readBytes;
        const report = await d.trainStep();
        report.memory = metered!.use();
        report.readbackBytes = metered!.readBytes - read0;
        // Warmed up: from now on a silent peer is found quickly, but never sooner than a few steps' time
        // (a big model on a busy machine must not look silent while its peers compute).
        d.comm.opts.timeoutMs = Math.max(steadyTimeoutMs, STEPS_OF_PATIENCE * report.msStep);
        return report;
      }),

    evaluate: (useEma: boolean): Promise<Outcome<number>> => guard((d) => d.evaluate(useEma)),

    /** A host copy of the full weights. */
    params: (): Promise<Outcome<Float32Array>> => guard((d) => d.replica.getParams()),

    /** This device's state for a checkpoint (weights, EMA and scaler only when `full`). */
    exportState: (full: boolean): Promise<Outcome<DeviceState>> =>
      guard(async (d) => {
        const r = d.replica;
        const [params, ema, optimizer] = await Promise.all([full ? r.getParams() : null, full && r.ema ? r.ema.read() : null, r.optimizer.exportState()]);
        return { step: d.step, replica: { params, ema, optimizer, scaler: r.scaler.exportState() } };
      }),

    /** Resume from a checkpoint: weights, EMA, scaler, this device's optimizer range, and the step count. */
    importState: (step: number, state: ReplicaState): Promise<Outcome<void>> =>
      guard(async (d) => {
        d.replica.importState(state);
        d.step = step;
      }),

    /** Go on in a smaller group (elastic recovery): new rank, new ports to the survivors, new share of work. */
    regroup: (o: { rank: number; ports: (PortLike | null)[]; work: WorkItem[] }): Promise<Outcome<number>> =>
      guard(async (d) => {
        d.comm.transport.close();
        const link: LinkModel = { bandwidth: d.cfg.linkBw * 1e9, latency: d.cfg.linkLatency / 1000 };
        d.regroup(new Comm(new PortTransport(o.rank, o.ports, link), { ...d.comm.opts }), o.work);
        rank = o.rank;
        return d.step;
      }),

    /** Fault injection: once step `step` has launched its first bucket, drop off the ring, call `notify`
     *  and wait (the caller ends this worker then, in the middle of the allreduce). Dropping off first
     *  matters: the worker's end comes when the caller gets to it (a page's main thread may be drawing),
     *  and a device that went on meanwhile could finish the allreduce for some peers and not others, which
     *  would leave the survivors a step apart. */
    armKill(step: number, notify: () => Promise<unknown>): void {
      if (device) device.onAllreduce = async () => {
        if (device?.step !== step - 1) return;
        device.comm.transport.close();
        await notify();
      };
    },

    /** Give up whatever collective is in flight (a peer died): pending receives reject at once. */
    abort(reason: string): void {
      device?.comm.transport.abort(reason);
    },

    close(): void {
      device?.comm.transport.close();
      device?.destroy();
      device = null;
      metered = null;
      backend?.close();
      backend = null;
    },
  };
}
