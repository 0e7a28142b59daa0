#!/usr/bin/env node
// Compile every shaders/*.wgsl with Dawn's null backend (no execution, f16 enabled when offered) and
// print each error as file:line:col. Exit 1 on any error. `node scripts/wgsl-check.mjs [files...]`.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const root = resolve(import.meta.dirname, '..');
const files = process.argv.length > 2
  ? process.argv.slice(2).map((f) => resolve(f))
  : readdirSync(join(root, 'shaders')).filter((f) => f.endsWith('.wgsl')).sort().map((f) => join(root, 'shaders', f));

let gpu = create(['backend=null']);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error('wgsl-check: the null WebGPU backend gave no adapter');
  process.exit(1);
}
const features = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
const device = await adapter.requestDevice({ requiredFeatures: features });
device.addEventListener?.('uncapturederror', () => {}); // errors are read from getCompilationInfo below

let errors = 0;
for (const file of files) {
  const code = readFileSync(file, 'utf8');
  const info = await device.createShaderModule({ code }).getCompilationInfo();
  for (const m of info.messages) {
    const where = `${relative(process.cwd(), file)}:${m.lineNum}:${m.linePos}`;
    if (m.type === 'error') errors++;
    if (m.type !== 'info') console.error(`${where}: ${m.type}: ${m.message}`);
  }
}
device.destroy();
gpu = null;
const f16 = features.length ? 'f16 enabled' : 'f16 not offered';
if (errors) {
  console.error(`wgsl-check: ${errors} error(s) in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`wgsl-check: ${files.length} file(s) compiled cleanly (${f16})`);
process.exit(0);
