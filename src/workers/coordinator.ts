// The worker device group: starts one device worker per device, wires a MessageChannel between every
// pair (then stays out of the gradient traffic), has rank 0's weights broadcast, and runs each call on
// every device at once. Devices answer with Outcomes (src/run/device-host.ts); a worker that exits or
// crashes is a failure of its own (EXITED) and the others are told to stop waiting for it; a device
// that never answers is SILENT after the call timeout. When several fail, the root cause is reported
// (errors.ts rootCause). Fault injection ends a worker for real (kill), and elastic recovery re-forms
// the ring among the survivors (shrink). Works in Node and browsers: the caller passes `spawn`.
// Legend: N = devices in the group, rank = position in it, id = which device (kept across shrinks); ms.
import * as Comlink from 'comlink';
import type { RunConfig } from '../engine/config';
import { localPorts, type PortLike } from '../engine/collectives';
import type { DeviceData, WorkItem } from '../engine/dist/device';
import type { DeviceStepReport } from '../engine/dist/report';
import { RunError, rootCause, type RunFailure } from '../engine/errors';
import type { ReplicaState } from '../engine/train/replica';
import { groupState, type DeviceGroup, type DeviceInfo, type Fault, type GroupLayout, type GroupState, type Outcome } from '../run/group';
import type { WorkerHandle } from './port';
import type { DeviceApi } from './device.worker';

export interface CoordinatorOptions {
  /** Settings with the backend resolved (never 'auto'). */
  cfg: RunConfig;
  data: DeviceData;
  /** Each device's own copy of the data, transferred to its worker rather than cloned by this thread
   *  (the page makes the copies in its data worker, so its main thread never copies the corpus). Copies
   *  are used once: a restart or a later group gets `data` cloned. */
  dataFor?: (rank: number) => DeviceData;
  /** Starts the worker of device `id`. */
  spawn: (id: number) => WorkerHandle;
  /** Collective timeout: a silent peer fails a step after this long (default: the settings' timeout). */
  timeoutMs?: number;
  /** Upper bound on one call even if every device hangs (default 10 min). */
  callTimeoutMs?: number;
  /** Test hook: inject failures, by device id. */
  faults?: Record<number, Fault>;
  /** Devices and their work when the group is not the settings' own (elastic recovery). */
  layout?: GroupLayout;
}

/** After the first failure, how long the other devices get to report theirs (usually ABORTED relays). */
const GRACE_MS = 1000;

interface Device { id: number; handle: WorkerHandle; api: Comlink.Remote<DeviceApi> }

/** One MessageChannel per pair: rank r's ports, and the list to transfer with them. */
function mesh(N: number): { row: (PortLike | null)[]; transfer: Transferable[] }[] {
  return localPorts(N).map((row) => ({ row, transfer: row.filter((p) => p !== null) as unknown as Transferable[] }));
}

export class Coordinator implements DeviceGroup {
  readonly info: DeviceInfo[] = [];
  private devices: Device[];
  private step_ = 0;
  private closed = false;
  /** Devices (by id) whose worker exited, crashed or was killed: the failure to report for them. */
  private readonly dead = new Map<number, Omit<RunFailure, 'step'>>();
  private readonly deaths: ((id: number) => void)[] = [];

  private constructor(readonly o: CoordinatorOptions, ids: number[]) {
    this.devices = ids.map((id) => {
      const handle = o.spawn(id);
      handle.onFailure((e) => this.died(id, { code: 'EXITED', rank: id, message: e.message }));
      return { id, handle, api: Comlink.wrap<DeviceApi>(handle.endpoint) };
    });
  }

  /** Start the workers, wire them, build every device and broadcast rank 0's weights; rejects with a RunError. */
  static async start(o: CoordinatorOptions): Promise<Coordinator> {
    const ids = o.layout?.ids ?? Array.from({ length: o.cfg.devices }, (_, r) => r);
    const c = new Coordinator(o, ids);
    const ports = mesh(ids.length);
    try {
      const info = await c.all('start', 0, c.devices.map((d, r) => {
        const data = o.dataFor?.(r) ?? o.data;
        const init = { rank: r, id: d.id, work: o.layout?.work[r], cfg: o.cfg, data, ports: ports[r].row, timeoutMs: o.timeoutMs, fault: o.faults?.[d.id] ?? null };
        const owned = data === o.data ? [] : [data.train.buffer, data.val.buffer] as Transferable[];
        return d.api.init(Comlink.transfer(init, [...ports[r].transfer, ...owned]));
      }));
      c.info.push(...info);
      await c.all('weight broadcast', 0, c.devices.map((d) => d.api.broadcastWeights()));
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  async step(): Promise<DeviceStepReport[]> {
    const reports = await this.all(`step ${this.step_ + 1}`, this.step_ + 1, this.devices.map((d) => d.api.step()));
    this.step_++;
    return reports;
  }

  async evaluate(useEma: boolean): Promise<number> {
    return (await this.all('evaluation', this.step_, [this.devices[0].api.evaluate(useEma)]))[0];
  }

  async params(): Promise<Float32Array> {
    return (await this.all('reading weights', this.step_, [this.devices[0].api.params()]))[0];
  }

  async exportState(): Promise<GroupState> {
    const ranks = this.o.cfg.zero === 1 ? this.devices : this.devices.slice(0, 1);
    return groupState(await this.all('reading state', this.step_, ranks.map((d, r) => d.api.exportState(r === 0))));
  }

  async importState(step: number, stateFor: (lo: number, hi: number) => ReplicaState): Promise<void> {
    await this.all('restoring state', step, this.devices.map((d, r) => {
      const s = stateFor(...this.info[r].shard);
      const buffers = [s.params, s.ema, ...s.optimizer.slots].filter((x): x is Float32Array => x !== null).map((x) => x.buffer);
      return d.api.importState(step, Comlink.transfer(s, buffers));
    }));
    this.step_ = step;
  }

  async kill(rank: number, phase: 'step' | 'allreduce'): Promise<void> {
    const d = this.devices[rank];
    const end = async () => {
      const at = Date.now();
      await d.handle.terminate();
      this.died(d.id, { code: 'EXITED', rank, message: `device ${d.id} was killed${phase === 'allreduce' ? ' inside the allreduce' : ''} (fault injection)`, at });
    };
    if (phase === 'step') await end();
    else await d.api.armKill(this.step_ + 1, Comlink.proxy(end));
  }

  async shrink(rank: number, work: WorkItem[][]): Promise<number[]> {
    const gone = this.devices[rank];
    if (!this.dead.has(gone.id)) await gone.handle.terminate();
    this.devices = this.devices.filter((_, r) => r !== rank);
    this.info.splice(rank, 1);
    const ports = mesh(this.devices.length);
    const steps = await this.all('re-forming the ring', this.step_, this.devices.map((d, r) => d.api.regroup(Comlink.transfer({ rank: r, ports: ports[r].row, work: work[r] }, ports[r].transfer))));
    this.info.forEach((inf, r) => (inf.rank = r));
    return steps;
  }

  /** Close every device and end its worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.devices.map((d) => Promise.race([d.api.close(), new Promise((r) => setTimeout(r, 500))]).catch(() => undefined)));
    await Promise.all(this.devices.map((d) => d.handle.terminate()));
  }

  /** Device `id` is gone: remember why and tell any call in flight. */
  private died(id: number, f: Omit<RunFailure, 'step'>): void {
    if (this.dead.has(id)) return;
    this.dead.set(id, f);
    this.deaths.forEach((notify) => notify(id));
  }

  /** One call per device (calls[r] on rank r); the values, or a RunError naming the root cause. */
  private all<T>(what: string, step: number, calls: Promise<Outcome<T>>[]): Promise<T[]> {
    const N = calls.length;
    const got: (Outcome<T> | undefined)[] = new Array(N);
    return new Promise<T[]>((resolve, reject) => {
      let left = N;
      let grace: ReturnType<typeof setTimeout> | null = null;
      const onDeath = (id: number) => {
        const r = this.devices.findIndex((d) => d.id === id);
        if (r < 0 || r >= N) return;
        settle(r, { ok: false, failure: { ...this.dead.get(id)!, rank: r, step } });
        // its peers may be blocked on it in a collective: make them give up now, not at the timeout
        this.devices.forEach((d, k) => k !== r && d.api.abort(`device ${id} is gone`).catch(() => undefined));
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
      this.dead.forEach((_, id) => onDeath(id));
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
