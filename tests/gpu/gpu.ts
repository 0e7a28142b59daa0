// Shared Dawn device for the WGSL execution tests (Node, `webgpu` package, SwiftShader via VK_ICD_FILENAMES).
import { create, globals } from 'webgpu';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { openDevice } from '../../src/engine/backend/webgpu/device';

Object.assign(globalThis, globals);

let gpu: GPU | null = null;

export async function getDevice(): Promise<{ adapter: GPUAdapter; device: GPUDevice }> {
  gpu ??= create([]) as GPU;
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      'No WebGPU adapter in Node. Run through `npm run test:gpu` (sets VK_ICD_FILENAMES to SwiftShader; needs apt packages chromium and libvulkan1).',
    );
  }
  return { adapter, device: await openDevice(adapter) };
}

/** Drop the GPU object so Node can exit. */
export function releaseGpu(device?: GPUDevice): void {
  device?.destroy();
  gpu = null;
}

/** A device and a WebGpuBackend with the default kernel variants, for one test file. */
export async function openBackend(): Promise<{ device: GPUDevice; be: WebGpuBackend }> {
  const { device } = await getDevice();
  return { device, be: new WebGpuBackend(device) };
}

/** Release what openBackend gave. */
export function closeBackend(be: WebGpuBackend | undefined, device: GPUDevice | undefined): void {
  be?.destroy();
  releaseGpu(device);
}
