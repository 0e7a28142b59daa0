// WebAssembly text to binary for the engine's `.wat` sources (src/engine/wasm/*.wat), with wabt's
// wat2wasm (the `wabt` npm package). One compiler serves every place that loads engine code:
// - Vite (dev server, `vite build` for the page and its Web Workers, vitest) through `watPlugin()`;
// - Node through the module hook in scripts/raw-loader.mjs (the CLI, the benchmarks and every
//   worker_thread, which registers that hook in src/workers/node-boot.mjs).
// `import bytes from './x.wat'` becomes an ES module whose default export is the binary as a Uint8Array
// (base64 inside the module text), so the engine imports its kernels like any module, with no fetch,
// no node: import and no compiled file in the repository.
// Cost: wabt starts in ~80 ms and compiles a kernel file in ~10 ms; binaries are cached by a hash of the
// text under node_modules/.cache/ringlab-wat/, so N worker_threads do not each start wabt.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const cacheDir = join(import.meta.dirname, '..', 'node_modules', '.cache', 'ringlab-wat');
const wabtVersion = JSON.parse(readFileSync(require.resolve('wabt/package.json'), 'utf8')).version;
/** wat2wasm's feature flags: fixed-width SIMD and bulk memory (both in every engine with SIMD); no relaxed
 *  SIMD, whose results may differ between machines. */
const features = { simd: true, bulk_memory: true };

let wabt = null;

/** The binary of one `.wat` source; `file` names it in errors (wabt reports file:line:col). */
export async function compileWat(file, text) {
  const key = createHash('sha256').update(`${wabtVersion}\0${JSON.stringify(features)}\0${text}`).digest('hex');
  const cached = join(cacheDir, `${key}.wasm`);
  try {
    return new Uint8Array(readFileSync(cached));
  } catch {
    // not cached yet
  }
  wabt ??= await require('wabt')();
  let mod;
  let bytes;
  try {
    mod = wabt.parseWat(file, text, features);
    mod.resolveNames();
    mod.validate();
    bytes = mod.toBinary({}).buffer;
  } catch (e) {
    // wabt's message names file:line:col; a fresh Error keeps its minified source out of the trace
    throw new Error(String(e instanceof Error ? e.message : e));
  } finally {
    mod?.destroy();
  }
  try {
    // write then rename: a concurrent reader sees the whole file or none
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, cached);
  } catch {
    // a read-only node_modules only costs the compile next time
  }
  return bytes;
}

/** JavaScript module text whose default export is `bytes` as a Uint8Array. */
export function watModuleSource(bytes) {
  const b64 = Buffer.from(bytes).toString('base64');
  return `// compiled from WebAssembly text by scripts/wat.mjs\nconst b64 = ${JSON.stringify(b64)};\nexport default Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));\n`;
}

/** Module source for the `.wat` file at `path`. */
export async function loadWat(path) {
  return watModuleSource(await compileWat(path, await readFile(path, 'utf8')));
}

/** Vite plugin: `.wat` imports compile to a module exporting the binary (also used for worker bundles). */
export function watPlugin() {
  return {
    name: 'ringlab-wat',
    async load(id) {
      const path = id.split('?')[0];
      if (!path.endsWith('.wat')) return null;
      this.addWatchFile(path);
      return { code: await loadWat(path), map: null };
    },
  };
}
