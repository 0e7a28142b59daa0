// The worker device group: starts N device workers, wires a MessageChannel between every pair (then stays
// out of the gradient traffic), has rank 0's weights broadcast, and runs each call on every device at
// once. Devices answer with Outcomes (src/run/device-host.ts); a worker that exits or crashes is a failure
// of its own (EXITED) and the others are told to stop waiting for it; a device that never answers is
// SILENT after the call timeout. When several fail, the root cause is reported (errors.ts rootCause).
// Works in Node and browsers: the caller passes `spawn` (node-spawn.ts or browser-spawn.ts).
// Legend: N = devices; ms.
import * as Comlink from 'comlink';
import type { RunConfig } from '../engine/config';
import type { DeviceData } from '../engine/dist/device';
import type { DeviceStepReport } from '../engine/dist/report';
import { RunError, rootCause, type RunFailure } from '../engine/errors';
import type { DeviceGroup, DeviceInfo, Fault, Outcome } from '../run/group';
import { meshPorts, portsFor } from './mesh';
import type { WorkerHandle } from './port';
import type { DeviceApi } from './device.worker';

export interface CoordinatorOptions {
  /** Settings with the backend resolved (never 'auto'). */
  cfg: RunConfig;
  data: DeviceData;
  spawn: (rank: number) => WorkerHandle;
  /** Collective timeout: a silent peer fails a step after this long (default: the settings' timeout). */
  timeoutMs?: number;
  /** Upper bound on one call even if every device hangs (default 10 min). */
  callTimeoutMs?: number;
  /** Test hook: inject failures, by rank. */
  faults?: Record<number, Fault>;
}

/** After the first failure, how long the other devices get to report theirs (usually ABORTED relays). */
const GRACE_MS = 1000;

export class Coordinator implements DeviceGroup {
  readonly info: DeviceInfo[] = [];
  private step_ = 0;
  private closed = false;
  /** Workers that exited or crashed: rank -> why. */
  private readonly dead = new Map<number, string>();
  private readonly deaths: ((rank: number, message: string) => void)[] = [];

  private constructor(readonly o: CoordinatorOptions, readonly handles: WorkerHandle[], readonly apis: Comlink.Remote<DeviceApi>[]) {
    handles.forEach((h, r) => h.onFailure((e) => {
      this.dead.set(r, e.message);
      this.deaths.forEach((f) => f(r, e.message));
    }));
  }

  /** Start N workers, wire them, build every device and broadcast rank 0's weights; rejects with a RunError. */
  static async start(o: CoordinatorOptions): Promise<Coordinator> {
    const N = o.cfg.devices;
    const handles = Array.from({ length: N }, (_, r) => o.spawn(r));
    const c = new Coordinator(o, handles, handles.map((h) => Comlink.wrap<DeviceApi>(h.endpoint)));
    const ports = meshPorts(N);
    try {
      const info = await c.all('start', 0, c.apis.map((a, r) => {
        const { row, transfer } = portsFor(ports, r);
        const init = { rank: r, cfg: o.cfg, data: o.data, ports: row as never, timeoutMs: o.timeoutMs, fault: o.faults?.[r] ?? null };
        return a.init(Comlink.transfer(init, transfer));
      }));
      c.info.push(...info);
      await c.all('weight broadcast', 0, c.apis.map((a) => a.broadcastWeights()));
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  async step(): Promise<DeviceStepReport[]> {
    const reports = await this.all(`step ${this.step_ + 1}`, this.step_ + 1, this.apis.map((a) => a.step()));
    this.step_++;
    return reports;
  }

  async evaluate(useEma: boolean): Promise<number> {
    return (await this.all('evaluation', this.step_, [this.apis[0].evaluate(useEma)]))[0];
  }

  async params(): Promise<Float32Array> {
    return (await this.all('reading weights', this.step_, [this.apis[0].params()]))[0];
  }

  /** Close every device and end its worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.apis.map((a) => Promise.race([a.close(), new Promise((r) => setTimeout(r, 500))]).catch(() => undefined)));
    await Promise.all(this.handles.map((h) => h.terminate()));
  }

  /** One call per device (calls[r] on device r); the values, or a RunError naming the root cause. */
  private all<T>(what: string, step: number, calls: Promise<Outcome<T>>[]): Promise<T[]> {
    const N = calls.length;
    const got: (Outcome<T> | undefined)[] = new Array(N);
    return new Promise<T[]>((resolve, reject) => {
      let left = N;
      let grace: ReturnType<typeof setTimeout> | null = null;
      const onDeath = (r: number, message: string) => {
        if (r >= N) return;
        settle(r, { ok: false, failure: { code: 'EXITED', rank: r, step, message } });
        // its peers may be blocked on it in a collective: make them give up now, not at the timeout
        this.apis.forEach((a, k) => k !== r && a.abort(`device ${r} is gone: ${message}`).catch(() => undefined));
      };
      const finish = () => {
        clearTimeout(overall);
        if (grace) clearTimeout(grace);
        this.deaths.splice(this.deaths.indexOf(onDeath), 1);
        const failures = got.map((g) => (g && !g.ok ? g.failure : null));
        const silent = got.map((g, r) => (g ? -1 : r)).filter((r) => r >= 0);
        const cause = rootCause(failures) ?? (silent.length ? silentFailure(what, step, silent, this.callTimeout) : null);
        if (cause) reject(new RunError(cause));
        else resolve(got.map((g) => (g as { value: T }).value));
      };
      const settle = (r: number, o: Outcome<T>) => {
        if (got[r]) return;
        got[r] = o;
        if (--left === 0) return finish();
        if (!o.ok && !grace) grace = setTimeout(finish, GRACE_MS);
      };
      const overall = setTimeout(finish, this.callTimeout);
      this.deaths.push(onDeath);
      this.dead.forEach((message, r) => onDeath(r, message));
      calls.forEach((p, r) => p.then((o) => settle(r, o), (e) => settle(r, { ok: false, failure: { code: 'THREW', rank: r, step, message: `${what}: ${e instanceof Error ? e.message : String(e)}` } })));
    });
  }

  private get callTimeout(): number {
    return this.o.callTimeoutMs ?? 600_000;
  }
}

function silentFailure(what: string, step: number, ranks: number[], ms: number): RunFailure {
  return { code: 'SILENT', rank: ranks[0], step, message: `${what}: no answer from device ${ranks.join(', ')} within ${ms} ms` };
}
