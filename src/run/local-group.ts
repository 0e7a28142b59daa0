// Every device of the group in this thread, wired by real MessageChannels: the same device code as the
// workers run (deviceHost), without worker start-up. Used by tests and by one-device CLI runs; the page
// always uses workers so the main thread only draws. A device stuck in a loop or ending its thread would
// stop this thread too, so 'hang' and 'exit' faults, kill and shrink are for worker groups only.
// Legend: N = devices, [lo, hi) = a device's optimizer range.
import type { RunConfig } from '../engine/config';
import type { DeviceData } from '../engine/dist/device';
import type { DeviceStepReport } from '../engine/dist/report';
import { RunError, rootCause } from '../engine/errors';
import { localPorts } from '../engine/collectives';
import type { ReplicaState } from '../engine/train/replica';
import { deviceHost, type DeviceHost, type MakeBackend } from './device-host';
import { groupState, type DeviceGroup, type DeviceInfo, type Fault, type GroupLayout, type GroupState, type Outcome } from './group';

export interface LocalGroupOptions {
  makeBackend: MakeBackend;
  /** Collective timeout in ms (default: the settings' timeout). */
  timeoutMs?: number;
  /** Test hook: 'throw' or 'nan' faults by rank. */
  faults?: Record<number, Fault>;
  layout?: GroupLayout;
}

export class LocalGroup implements DeviceGroup {
  private closed = false;
  private constructor(private readonly hosts: DeviceHost[], readonly info: DeviceInfo[], private readonly cfg: RunConfig) {}

  /** Build the devices here and broadcast rank 0's weights; rejects with a RunError. */
  static async start(cfg: RunConfig, data: DeviceData, o: LocalGroupOptions): Promise<LocalGroup> {
    if (Object.values(o.faults ?? {}).some((f) => f.mode === 'hang' || f.mode === 'exit')) throw new Error('LocalGroup: hang and exit faults would stop this thread; use workers');
    const ids = o.layout?.ids ?? Array.from({ length: cfg.devices }, (_, r) => r);
    const ports = localPorts(ids.length);
    const hosts = ports.map(() => deviceHost(o.makeBackend));
    const group = new LocalGroup(hosts, [], cfg);
    try {
      const init = (h: DeviceHost, r: number) => h.init({ rank: r, id: ids[r], work: o.layout?.work[r], cfg, data, ports: ports[r], timeoutMs: o.timeoutMs, fault: o.faults?.[ids[r]] ?? null });
      group.info.push(...(await settle(hosts.map(init))));
      await settle(hosts.map((h) => h.broadcastWeights()));
    } catch (e) {
      await group.close();
      throw e;
    }
    return group;
  }

  step(): Promise<DeviceStepReport[]> {
    return settle(this.hosts.map((h) => h.step()));
  }

  async evaluate(useEma: boolean): Promise<number> {
    return (await settle([this.hosts[0].evaluate(useEma)]))[0];
  }

  async params(): Promise<Float32Array> {
    return (await settle([this.hosts[0].params()]))[0];
  }

  async exportState(): Promise<GroupState> {
    const ranks = this.cfg.zero === 1 ? this.hosts : this.hosts.slice(0, 1);
    return groupState(await settle(ranks.map((h, r) => h.exportState(r === 0))));
  }

  async importState(step: number, stateFor: (lo: number, hi: number) => ReplicaState): Promise<void> {
    await settle(this.hosts.map((h, r) => h.importState(step, stateFor(...this.info[r].shard))));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hosts.forEach((h) => h.close());
  }
}

/** All values, or a RunError with the root cause of the failures. */
async function settle<T>(calls: Promise<Outcome<T>>[]): Promise<T[]> {
  const out = await Promise.all(calls);
  const cause = rootCause(out.map((o) => (o.ok ? null : o.failure)));
  if (cause) throw new RunError(cause);
  return out.map((o) => (o as { value: T }).value);
}
