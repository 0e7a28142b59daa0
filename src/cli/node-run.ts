// How a Node process runs the driver: one device trains in this thread (no worker start-up), several in
// one worker_thread each; every backend comes from the one factory, on the `webgpu` package's GPU object
// when WebGPU is asked for. Node only.
// Legend: N = devices.
import { totalmem } from 'node:os';
import { createBackend, resolveBackend } from '../engine/backend/create';
import type { RunConfig } from '../engine/config';
import type { RunEnv } from '../run/driver';
import { LocalGroup } from '../run/local-group';
import { Coordinator } from '../workers/coordinator';
import { gpuEnv, nodeGpu } from '../workers/node-gpu';
import { spawnNodeWorker } from '../workers/node-spawn';

/** Memory budget per device: half the machine's RAM shared by the devices. */
export const memoryBudget = (devices: number): number => totalmem() / 2 / devices;

const spawn = (r: number) => spawnNodeWorker(new URL('../workers/device.worker.ts', import.meta.url), `device ${r}`);

/** The driver's environment in Node. One device trains in this thread unless a device is to be killed
 *  (killing needs a worker to end). */
export function nodeRunEnv(cfg: RunConfig, o: Partial<RunEnv> = {}): RunEnv {
  return {
    memoryBudget: memoryBudget(cfg.devices),
    // Sets the Vulkan environment in the main thread before any worker opens a GPU object.
    resolveBackend: async (kind) => (kind === 'cpu' ? { name: 'cpu', reason: null } : (gpuEnv(), resolveBackend(kind, await nodeGpu()))),
    createGroup: (run, data, layout) =>
      run.devices === 1 && !run.killDevice && !layout
        ? LocalGroup.start(run, data, { makeBackend: async (kind) => createBackend(kind, kind === 'cpu' ? {} : await nodeGpu()) })
        : Coordinator.start({ cfg: run, data, spawn, layout }),
    ...o,
  };
}
