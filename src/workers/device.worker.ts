// One simulated device in a worker: the device host (src/run/device-host.ts) exposed as ONE typed comlink
// API. Its backend is created by the one backend factory, on navigator.gpu in a browser worker or on the
// `webgpu` package's GPU object in a Node worker_thread. Gradient traffic goes only over the peer ports
// (raw messages with a `type`, buffers transferred); every call answers with an Outcome, never a throw.
// Node: started through node-boot.mjs; browser: new Worker(new URL('./device.worker.ts', import.meta.url)).
import * as Comlink from 'comlink';
import { createBackend, type GpuSource } from '../engine/backend/create';
import { deviceHost } from '../run/device-host';
import { parentEndpoint } from './port';

declare global {
  /** Set by node-boot.mjs in a Node worker_thread: where this thread's GPU object comes from. */
  var ringlabNodeGpu: (() => Promise<GpuSource>) | undefined;
}

const gpuSource = async (): Promise<GpuSource> =>
  globalThis.ringlabNodeGpu ? globalThis.ringlabNodeGpu() : { gpu: (globalThis.navigator as Navigator | undefined)?.gpu ?? null };

const host = deviceHost(async (kind) => createBackend(kind, kind === 'cpu' ? {} : await gpuSource()));

const api = {
  ...host,
  /** The full weights, transferred rather than copied. */
  async params() {
    const r = await host.params();
    return r.ok ? Comlink.transfer(r, [r.value.buffer]) : r;
  },
  /** This device's state for a checkpoint, transferred. */
  async exportState(full: boolean) {
    const r = await host.exportState(full);
    if (!r.ok) return r;
    const { params, ema, optimizer } = r.value.replica;
    return Comlink.transfer(r, [params, ema, ...optimizer.slots].filter((x) => x !== null).map((x) => x.buffer));
  },
};

export type DeviceApi = typeof api;
Comlink.expose(api, parentEndpoint());
