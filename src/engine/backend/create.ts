// The one way to make a compute backend, used by the CLI, Node device workers and browser device
// workers alike. `cpu` is the plain-TypeScript backend; `webgpu` opens a GPUDevice on the given GPU
// object (navigator.gpu in a browser, the `webgpu` package's in Node) and picks kernel variants by timing
// them; `auto` times one probe training step on each (auto.ts) and keeps the faster. The WebGPU modules
// are imported only when asked, so a CPU run never loads them.
// Errors: BackendUnavailableError when `webgpu` is asked for and no adapter or device can be had; its
// message names what is missing (the caller puts "backend webgpu:" or its flag's name in front).
import { BackendUnavailableError } from '../errors';
import type { BackendName } from './adapter';
import type { MeasuredChoice } from './auto';
import { CpuBackend } from './cpu';
import type { Backend } from './types';

export type BackendKind = BackendName | 'auto';

/** A created backend: the name it really is, one line saying which and why, and how to let go of it. */
export interface BackendHandle {
  backend: Backend;
  name: BackendName;
  /** For the log: the adapter and kernel variants, or why `auto` chose what it chose. */
  detail: string;
  /** Destroys the backend and its GPUDevice (a live GPUDevice keeps Node from exiting). */
  close(): void;
}

export interface GpuSource {
  /** The WebGPU entry point: navigator.gpu, or the `webgpu` package's GPU object; null where there is none. */
  gpu?: GPU | null;
  /** Appended when no adapter is granted: what this platform needs (e.g. which Vulkan driver to install). */
  hint?: string;
}

/** The backend `kind` on this thread. */
export async function createBackend(kind: BackendKind, src: GpuSource = {}): Promise<BackendHandle> {
  if (kind === 'auto') {
    const { name, reason } = await resolveBackend('auto', src);
    const b = await createBackend(name, src);
    return { ...b, detail: `${reason}${name === 'webgpu' ? ` Using ${b.detail}` : ''}` };
  }
  if (kind === 'cpu') {
    const backend = new CpuBackend();
    return { backend, name: 'cpu', detail: 'backend cpu', close: () => backend.destroy() };
  }
  const { device, label } = await openGpuDevice(src);
  const { WebGpuBackend } = await import('./webgpu/backend');
  const { backend, selection } = await WebGpuBackend.create(device);
  const v = backend.variants;
  const close = () => (backend.destroy(), device.destroy());
  return { backend, name: 'webgpu', detail: `backend webgpu on ${label}: matmul ${v.matmul}, attention ${v.attention}${selection ? ' (timed on this device)' : ''}`, close };
}

/** Settle `kind` once for a group of devices that each open their own backend (N probes at once would
 *  share the cores, time each other and could disagree): `auto` is measured, `webgpu` is checked to be
 *  available, so a run fails before any device starts. */
export async function resolveBackend(kind: BackendKind, src: GpuSource = {}): Promise<{ name: BackendName; reason: string | null; ms?: MeasuredChoice['ms'] }> {
  if (kind === 'cpu') return { name: 'cpu', reason: null };
  if (kind === 'webgpu') {
    (await openGpuDevice(src)).device.destroy();
    return { name: 'webgpu', reason: null };
  }
  const { chooseBackendMeasured } = await import('./auto');
  const c = await chooseBackendMeasured({ openDevice: src.gpu ? async () => (await openGpuDevice(src)).device : undefined });
  return { name: c.backend, reason: `backend auto: ${c.reason}`, ms: c.ms };
}

async function openGpuDevice({ gpu, hint }: GpuSource): Promise<{ device: GPUDevice; label: string }> {
  const more = hint ? ` ${hint}` : '';
  if (!gpu) throw new BackendUnavailableError(`this environment has no WebGPU${more}`);
  const [{ probeAdapter }, { openDevice }] = await Promise.all([import('./adapter'), import('./webgpu/device')]);
  const probe = await probeAdapter(gpu);
  if (!probe.ok) throw new BackendUnavailableError(hint ? `no WebGPU adapter was granted${more}` : probe.reason);
  const label = `${probe.summary.vendor} ${probe.summary.architecture}`.trim() || 'unknown adapter';
  try {
    return { device: await openDevice(probe.adapter), label };
  } catch (e) {
    throw new BackendUnavailableError(`opening a WebGPU device failed: ${(e as Error).message}${more}`);
  }
}
