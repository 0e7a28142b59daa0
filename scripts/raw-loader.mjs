// Node module hook: `import src from './x.wgsl?raw'` yields the file's text, as Vite does.
// Registered by scripts/register-raw.mjs (used by the CLI entry points run through tsx).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export async function load(url, context, nextLoad) {
  if (url.endsWith('?raw')) {
    const path = fileURLToPath(url.slice(0, -'?raw'.length));
    const text = await readFile(path, 'utf8');
    return { format: 'module', shortCircuit: true, source: `export default ${JSON.stringify(text)};` };
  }
  return nextLoad(url, context);
}
