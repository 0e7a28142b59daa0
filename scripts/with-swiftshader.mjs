#!/usr/bin/env node
// Run a command with VK_ICD_FILENAMES pointing at SwiftShader: `node scripts/with-swiftshader.mjs vitest run ...`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SWIFTSHADER_ICD, gpuEnv } from './gpu-env.mjs';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: with-swiftshader.mjs COMMAND [ARGS...]');
  process.exit(2);
}
if (!process.env.VK_ICD_FILENAMES && !existsSync(SWIFTSHADER_ICD)) {
  console.error(`SwiftShader's Vulkan driver is missing (${SWIFTSHADER_ICD}). Install it with: apt-get install -y chromium libvulkan1`);
  process.exit(1);
}
const res = spawnSync(cmd, args, { stdio: 'inherit', env: gpuEnv(), shell: false });
process.exit(res.status ?? 1);
