// The compute backend of a Node run (train, eval, each device worker): `cpu` is the plain-TypeScript
// backend; `webgpu` opens a GPUDevice through the `webgpu` package (Dawn's Node bindings) and picks kernel
// variants by timing them; `auto` times one probe training step on each and keeps the faster.
// Node only. Without a GPU, Dawn needs a Vulkan driver it accepts: SwiftShader from Debian's chromium
// package. The Vulkan loader reads VK_ICD_FILENAMES when the GPU object is created, so setting it here, in
// the main thread, before loading `webgpu` is enough; a worker_thread's process.env is a private copy the
// loader never sees, so a multi-device run calls backendForDevices() in the main thread first.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendName } from '../engine/backend/adapter';
import { chooseBackendMeasured } from '../engine/backend/auto';
import { CpuBackend } from '../engine/backend/cpu';
import type { Backend } from '../engine/backend/types';
import { WebGpuBackend } from '../engine/backend/webgpu/backend';
import { openDevice } from '../engine/backend/webgpu/device';
import type { RunConfig } from '../engine/config';
import { UserError } from './args';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const INSTALL = 'install a Vulkan driver Dawn accepts (apt-get install -y chromium libvulkan1 gives SwiftShader), or use --backend cpu';

/** A run's backend and how to let go of it (the GPUDevice and the GPU object keep Node alive otherwise). */
export interface RunBackend {
  backend: Backend;
  name: BackendName;
  /** One line for the log: the adapter and kernel variants, or why `auto` chose. */
  detail: string;
  close(): void;
}

/** Point the Vulkan loader at SwiftShader when nothing else is configured (and silence Dawn's
 *  XDG_RUNTIME_DIR warning). Must run in the main thread before the first GPU object is created. */
export function gpuEnv(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `ringlab-xdg-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
}

let gpu: GPU | null = null;
let users = 0;

/** The process's GPU object (created once); null when the package cannot load. */
async function nodeGpu(): Promise<GPU | null> {
  if (gpu) return gpu;
  gpuEnv();
  let mod: typeof import('webgpu');
  try {
    mod = await import('webgpu'); // loaded only when asked: cpu runs never touch the native module
  } catch {
    return null;
  }
  Object.assign(globalThis, mod.globals);
  gpu = mod.create([]) as GPU;
  return gpu;
}

/** Drop the GPU object once the last device of this thread is closed, so Node can exit. */
function release(device: GPUDevice | null): void {
  device?.destroy();
  if (--users <= 0) {
    users = 0;
    gpu = null;
  }
}

/** A fresh GPUDevice with the adapter's own limits, or a reason why there is none. */
async function newDevice(): Promise<{ device: GPUDevice; adapter: GPUAdapter } | { reason: string }> {
  const g = await nodeGpu();
  if (!g) return { reason: "the 'webgpu' package did not load (npm install)" };
  users++;
  try {
    const adapter = await g.requestAdapter();
    if (adapter) return { device: await openDevice(adapter), adapter };
  } catch (e) {
    release(null);
    return { reason: `opening a WebGPU device failed: ${(e as Error).message}` };
  }
  release(null);
  const icd = process.env.VK_ICD_FILENAMES;
  return { reason: `no WebGPU adapter was granted (Vulkan driver: ${icd ? icd : 'none found'})` };
}

/** A WebGPU backend on `device` with kernel variants picked by timing them on it. */
async function webgpuOn(device: GPUDevice, adapter: GPUAdapter | null, prefix: string): Promise<RunBackend> {
  const { backend, selection } = await WebGpuBackend.create(device);
  const arch = adapter ? `${adapter.info.vendor} ${adapter.info.architecture}`.trim() : 'GPUDevice';
  const v = backend.variants;
  return {
    backend,
    name: 'webgpu',
    detail: `${prefix}webgpu on ${arch || 'unknown adapter'}: matmul ${v.matmul}, attention ${v.attention}${selection ? ' (timed on this device)' : ''}`,
    close: () => {
      backend.destroy();
      release(device);
    },
  };
}

/** Build the backend a run asked for. `webgpu` without an adapter is a user error (one line, exit 2). */
export async function createBackend(kind: RunConfig['backend']): Promise<RunBackend> {
  const cpu = (detail: string): RunBackend => {
    const backend = new CpuBackend();
    return { backend, name: 'cpu', detail, close: () => backend.destroy() };
  };
  if (kind === 'cpu') return cpu('backend cpu');
  if (kind === 'webgpu') {
    const d = await newDevice();
    if ('reason' in d) throw new UserError(`--backend webgpu: ${d.reason}; ${INSTALL}`);
    return webgpuOn(d.device, d.adapter, 'backend ');
  }
  const { choice, adapter, opened } = await probe();
  const why = `backend auto: ${choice.reason}`;
  if (choice.backend === 'webgpu' && choice.device) return webgpuOn(choice.device, adapter, `${why} Using `);
  if (opened) release(null); // the probe destroyed its device; drop the GPU object too
  return cpu(why);
}

/** A multi-device run's backend, settled in the main thread before its workers start: sets the Vulkan
 *  environment (a worker_thread's process.env is a copy the loader never reads), fails early (exit 2) when
 *  webgpu has no adapter, and decides `auto` once (N probes at once would share the cores, time each
 *  other, and could disagree). Each worker then opens its own GPUDevice with createBackend(name). */
export async function backendForDevices(kind: RunConfig['backend']): Promise<{ name: BackendName; reason: string | null }> {
  if (kind === 'cpu') return { name: 'cpu', reason: null };
  gpuEnv();
  if (kind === 'webgpu') {
    const d = await newDevice();
    if ('reason' in d) throw new UserError(`--backend webgpu: ${d.reason}; ${INSTALL}`);
    release(d.device);
    return { name: 'webgpu', reason: null };
  }
  const { choice, opened } = await probe();
  if (opened) release(choice.device);
  return { name: choice.backend, reason: `backend auto: ${choice.reason}` };
}

/** chooseBackendMeasured with a device of this process's GPU object. */
async function probe() {
  const probed: { adapter: GPUAdapter | null } = { adapter: null };
  const choice = await chooseBackendMeasured({
    openDevice: async () => {
      const d = await newDevice();
      if ('reason' in d) throw new Error(d.reason);
      probed.adapter = d.adapter;
      return d.device;
    },
  });
  return { choice, adapter: probed.adapter, opened: probed.adapter !== null };
}

declare global {
  /** In a Node worker_thread (set by src/workers/node-boot.mjs): how a device worker builds its backend. */
  var ringlabCreateBackend: typeof createBackend | undefined;
}
