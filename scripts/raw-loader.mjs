// Node module hook: `import src from './x.wgsl?raw'` yields the file's text, as Vite does, and
// `import bytes from './x.wat'` yields the compiled WebAssembly binary, as scripts/wat.mjs's Vite plugin does.
// Registered by scripts/register-raw.mjs (used by the CLI entry points run through tsx, and by every
// Node worker_thread through src/workers/node-boot.mjs).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadWat } from './wat.mjs';

export async function load(url, context, nextLoad) {
  if (url.endsWith('?raw')) {
    const path = fileURLToPath(url.slice(0, -'?raw'.length));
    const text = await readFile(path, 'utf8');
    return { format: 'module', shortCircuit: true, source: `export default ${JSON.stringify(text)};` };
  }
  if (url.startsWith('file:') && url.endsWith('.wat')) {
    return { format: 'module', shortCircuit: true, source: await loadWat(fileURLToPath(url)) };
  }
  return nextLoad(url, context);
}
