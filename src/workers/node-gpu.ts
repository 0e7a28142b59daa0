// WebGPU for Node threads (the CLI's main thread and each device worker_thread): the `webgpu` package's
// GPU object (Dawn), loaded only when asked, so CPU runs never touch the native module. Node only.
// Without a GPU, Dawn needs a Vulkan driver it accepts: SwiftShader from Debian's chromium package. The
// Vulkan loader reads VK_ICD_FILENAMES when a GPU object is created, and a worker_thread's process.env
// is a private copy the loader never sees, so the main thread calls gpuEnv() before any worker starts.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpuSource } from '../engine/backend/create';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

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

/** This thread's GPU object (created on first use) and what to tell the user when it grants no adapter. */
export async function nodeGpu(): Promise<GpuSource> {
  gpuEnv();
  const icd = process.env.VK_ICD_FILENAMES;
  const hint = `(Vulkan driver: ${icd || 'none found'}); install a Vulkan driver Dawn accepts (apt-get install -y chromium libvulkan1 gives SwiftShader), or use --backend cpu`;
  if (gpu) return { gpu, hint };
  let mod: typeof import('webgpu');
  try {
    mod = await import('webgpu');
  } catch {
    return { gpu: null, hint: "(the 'webgpu' package did not load: npm install), or use --backend cpu" };
  }
  Object.assign(globalThis, mod.globals);
  gpu = mod.create([]) as GPU;
  return { gpu, hint };
}

/** Drop the GPU object once every device of this thread is destroyed, so Node can exit. */
export function releaseNodeGpu(): void {
  gpu = null;
}
