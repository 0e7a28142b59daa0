// One simulated device: a worker holding its own backend (CPU, or its own GPUDevice when asked and
// available), a Replica inside a DistDevice, and its ports to every peer. Controlled by ONE typed comlink
// API; gradient traffic goes only over the peer ports (raw messages with a `type`, buffers transferred).
// Node: started through node-boot.mjs; browser: new Worker(new URL('./device.worker.ts', import.meta.url)).
import * as Comlink from 'comlink';
import type { Backend } from '../engine/backend/types';
import { CpuBackend } from '../engine/backend/cpu';
import { Comm, PortTransport, type LinkModel, type PortLike } from '../engine/collectives';
import type { RunConfig } from '../engine/config';
import { DistDevice, type DeviceData } from '../engine/dist/device';
import { modelStateMemory, type ModelStateMemory } from '../engine/dist/memory';
import type { DeviceStepReport } from '../engine/dist/report';
import { parentEndpoint } from './port';

/** Test hook: make this device fail at a step, by throwing or by never answering again. */
export interface Fault { step: number; mode: 'throw' | 'hang' }

export interface DeviceInit {
  rank: number;
  cfg: RunConfig;
  data: DeviceData;
  ports: (PortLike | null)[];
  /** A collective that hears nothing from a peer for this long fails, naming it. */
  timeoutMs: number;
  fault?: Fault | null;
}

export interface DeviceInfo { rank: number; backend: string; shard: [number, number]; memory: ModelStateMemory }

let device: DistDevice | null = null;
let fault: Fault | null = null;

let closeBackend: (() => void) | null = null;

async function makeBackend(kind: RunConfig['backend']): Promise<Backend> {
  // Node worker_threads: the same creation as a single-device run (its own GPUDevice through Dawn).
  if (globalThis.ringlabCreateBackend) {
    const be = await globalThis.ringlabCreateBackend(kind);
    closeBackend = be.close;
    return be.backend;
  }
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (kind === 'cpu' || (kind === 'auto' && !gpu)) return new CpuBackend();
  if (!gpu) throw new Error('backend webgpu: this worker has no navigator.gpu');
  const [{ probeAdapter }, { openDevice }, { WebGpuBackend }] = await Promise.all([
    import('../engine/backend/adapter'), import('../engine/backend/webgpu/device'), import('../engine/backend/webgpu/backend'),
  ]);
  const probe = await probeAdapter(gpu);
  if (!probe.ok) throw new Error(`backend webgpu: ${probe.reason}`);
  return new WebGpuBackend(await openDevice(probe.adapter));
}

const need = (): DistDevice => {
  if (!device) throw new Error('device worker: init() first');
  return device;
};

const api = {
  /** Build this device: backend, replica (same seed everywhere), ZeRO shard, transport to the peers. */
  async init(o: DeviceInit): Promise<DeviceInfo> {
    const { cfg } = o;
    const link: LinkModel = { bandwidth: cfg.linkBw * 1e9, latency: cfg.linkLatency / 1000 };
    const comm = new Comm(new PortTransport(o.rank, o.ports, link), { timeoutMs: o.timeoutMs });
    const backend = await makeBackend(cfg.backend);
    const slow = cfg.slowDevice && cfg.slowDevice.rank === o.rank ? cfg.slowDevice.factor : 1;
    device = new DistDevice(backend, cfg, comm, o.data, { slowFactor: slow });
    fault = o.fault ?? null;
    const opt = device.replica.optimizer;
    const memory = modelStateMemory(device.replica.numParams, cfg.devices, cfg.zero, opt.state.length * (opt.hi - opt.lo), opt.state.length);
    return { rank: o.rank, backend: backend.name, shard: [device.lo, device.hi], memory };
  },

  broadcastWeights: (): Promise<void> => need().broadcastWeights(),

  /** One optimizer step (all devices at once); the device's report. */
  async step(): Promise<DeviceStepReport> {
    const d = need();
    if (fault && fault.step === d.step + 1) {
      if (fault.mode === 'hang') for (;;); // a device that stops answering: the thread never yields again
      const msg = `device ${d.comm.rank}: injected failure at step ${d.step + 1}`;
      d.comm.transport.abort(msg);
      throw new Error(msg);
    }
    try {
      return await d.trainStep();
    } catch (e) {
      d.comm.transport.abort(`device ${d.comm.rank} failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  },

  evaluate: (useEma = false): Promise<number> => need().evaluate(useEma),

  /** A host copy of the full weights (transferred). */
  async params(): Promise<Float32Array> {
    const p = await need().replica.getParams();
    return Comlink.transfer(p, [p.buffer]);
  },

  close(): void {
    device?.comm.transport.close();
    device?.destroy();
    device = null;
    closeBackend?.(); // the GPUDevice and GPU object, in Node
    closeBackend = null;
  },
};

export type DeviceApi = typeof api;
Comlink.expose(api, parentEndpoint());
