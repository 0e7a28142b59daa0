// The coordinator: starts N device workers, wires a MessageChannel between every pair (then stays out of
// the gradient traffic), has rank 0's weights broadcast, drives steps and merges the devices' reports into
// one metrics object per optimizer step. A device that throws, crashes or stops answering fails the step
// with a message naming it, within the collective timeout (never a silent hang).
// Works in Node and browsers: the caller passes `spawn` (node-spawn.ts or browser-spawn.ts).
// Legend: N = devices, G = N*K*B sequences per step, T = blockSize; ms; bytes.
import * as Comlink from 'comlink';
import { globalBatch, type RunConfig } from '../engine/config';
import { windowCount } from '../engine/data/dataset';
import type { DeviceData } from '../engine/dist/device';
import { mergeReports, type DistStepMetrics } from './metrics';
import { meshPorts, portsFor } from './mesh';
import type { WorkerHandle } from './port';
import type { DeviceApi, DeviceInfo, Fault } from './device.worker';

export interface CoordinatorOptions {
  cfg: RunConfig;
  data: DeviceData;
  spawn: (rank: number) => WorkerHandle;
  /** Collective timeout: a silent peer fails a step after this long (default 30 s). */
  timeoutMs?: number;
  /** Upper bound on one step even if every device hangs (default 10 min). */
  stepTimeoutMs?: number;
  /** Test hook: inject failures, by rank. */
  faults?: Record<number, Fault>;
}

/** A step (or start-up) failed on some device; `rank` is the device the error is blamed on. */
export class DeviceFailure extends Error {
  override name = 'DeviceFailure';
  constructor(readonly rank: number, message: string) {
    super(message);
  }
}

type Settled<T> = { ok: true; v: T } | { ok: false; e: Error };

export class Coordinator {
  step = 0;
  tokens = 0;
  private failure: ((rank: number, e: Error) => void) | null = null;

  private constructor(readonly o: CoordinatorOptions, readonly handles: WorkerHandle[], readonly apis: Comlink.Remote<DeviceApi>[], readonly info: DeviceInfo[]) {
    handles.forEach((h, r) => h.onFailure((e) => this.failure?.(r, e)));
  }

  /** Start N workers, wire them, build every device and broadcast rank 0's weights. */
  static async start(o: CoordinatorOptions): Promise<Coordinator> {
    const N = o.cfg.devices;
    const handles = Array.from({ length: N }, (_, r) => o.spawn(r));
    const apis = handles.map((h) => Comlink.wrap<DeviceApi>(h.endpoint));
    const ports = meshPorts(N);
    const c = new Coordinator(o, handles, apis, []);
    try {
      const info = await c.all('start', apis.map((a, r) => {
        const { row, transfer } = portsFor(ports, r);
        const init = { rank: r, cfg: o.cfg, data: o.data, ports: row as never, timeoutMs: o.timeoutMs ?? 30_000, fault: o.faults?.[r] ?? null };
        return a.init(Comlink.transfer(init, transfer));
      }));
      c.info.push(...info);
      await c.all('weight broadcast', apis.map((a) => a.broadcastWeights()));
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  /** Await one call per device; on any failure, give the others a moment to report, then blame a root cause. */
  private all<T>(what: string, calls: Promise<T>[]): Promise<T[]> {
    const N = calls.length;
    const settled: (Settled<T> | undefined)[] = new Array(N);
    return new Promise<T[]>((resolve, reject) => {
      let left = N, grace: ReturnType<typeof setTimeout> | null = null;
      const finish = () => {
        clearTimeout(overall);
        if (grace) clearTimeout(grace);
        this.failure = null;
        const bad = settled.map((s, r) => ({ s, r })).filter(({ s }) => !s || !s.ok);
        if (!bad.length) return resolve(settled.map((s) => (s as { v: T }).v));
        // Root cause first: a device's own error beats "aborted"/"not answering" relays and silence.
        const msg = (x: { s?: Settled<T> }) => (x.s && !x.s.ok ? x.s.e.message : '');
        const own = bad.find((b) => msg(b) && !/aborted|not answering|got nothing/.test(msg(b)));
        const relay = bad.find((b) => msg(b));
        const pick = own ?? relay;
        if (!pick) return reject(new DeviceFailure(bad[0].r, `${what}: no device answered within ${this.stepTimeout} ms`));
        const silent = bad.filter((b) => !b.s).map((b) => b.r);
        reject(new DeviceFailure(pick.r, `${what} failed on device ${pick.r}: ${msg(pick)}${silent.length ? ` (no answer from device ${silent.join(', ')})` : ''}`));
      };
      const settle = (r: number, s: Settled<T>) => {
        if (settled[r]) return;
        settled[r] = s;
        if (--left === 0) return finish();
        if (!s.ok && !grace) grace = setTimeout(finish, 1000);
      };
      const overall = setTimeout(finish, this.stepTimeout);
      this.failure = (r, e) => settle(r, { ok: false, e });
      calls.forEach((p, r) => p.then((v) => settle(r, { ok: true, v }), (e) => settle(r, { ok: false, e: e instanceof Error ? e : new Error(String(e)) })));
    });
  }

  private get stepTimeout(): number {
    return this.o.stepTimeoutMs ?? 600_000;
  }

  /** One optimizer step on every device; merged metrics. */
  async trainStep(): Promise<DistStepMetrics> {
    const { cfg } = this.o;
    const t0 = performance.now();
    const reports = await this.all(`step ${this.step + 1}`, this.apis.map((a) => a.step()));
    const ms = performance.now() - t0;
    this.step++;
    const G = globalBatch(cfg);
    this.tokens += G * cfg.blockSize;
    const stepsPerEpoch = Math.floor(windowCount(this.o.data.train.length, cfg.blockSize) / G);
    return mergeReports(reports, { cfg, msStep: ms, tokens: this.tokens, epoch: Math.floor((this.step - 1) / stepsPerEpoch) });
  }

  /** Validation loss (device 0; every device holds the same weights). */
  evaluate(useEma = false): Promise<number> {
    return this.all('evaluation', [this.apis[0].evaluate(useEma)]).then(([v]) => v);
  }

  /** The trained weights (device 0's copy). */
  params(): Promise<Float32Array> {
    return this.all('reading weights', [this.apis[0].params()]).then(([v]) => v);
  }

  /** Close every device and end its worker. */
  async stop(): Promise<void> {
    await Promise.all(this.apis.map((a) => Promise.race([a.close(), new Promise((r) => setTimeout(r, 500))]).catch(() => undefined)));
    await Promise.all(this.handles.map((h) => h.terminate()));
  }
}
