// Environment for running WGSL in Node on SwiftShader (the Vulkan driver shipped with Debian's chromium).
// Must be set before the process that loads `webgpu` starts; setting it inside a test file is too late.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function gpuEnv(base = process.env) {
  const env = { ...base };
  if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (!env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `ringlab-xdg-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
  }
  return env;
}
