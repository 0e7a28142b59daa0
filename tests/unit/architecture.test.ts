// Every architecture arrow, checked: a table of which layers of src/ may import which (ARCHITECTURE.md
// draws the same arrows). The engine is a leaf (no other layer, no React, zustand, three, comlink or
// node: modules); the run driver sits on the engine alone; workers never import cli, ui or state; cli
// never imports ui or state; state never imports ui. The first test proves the checker can fail.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');

type Layer = 'engine' | 'run' | 'workers' | 'state' | 'ui' | 'cli';
/** Layers each layer may import (besides itself). */
const allowed: Record<Layer, Layer[]> = {
  engine: [],
  run: ['engine'],
  workers: ['engine', 'run'],
  state: ['engine', 'run', 'workers'],
  cli: ['engine', 'run', 'workers'],
  ui: ['engine', 'run', 'workers', 'state'],
};
/** Packages a layer must not import (the engine and the driver run in every thread and in Node). */
const pure = [/^(react|react-dom|zustand|three|comlink)(\/|$)/, /^node:/];
const forbiddenPackages: Record<Layer, RegExp[]> = { engine: pure, run: pure, workers: [/^(react|react-dom|zustand|three)(\/|$)/], state: [/^(react|react-dom|three)(\/|$)/, /^node:/], cli: [/^(react|react-dom|zustand|three)(\/|$)/], ui: [/^node:/] };

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|tsx|mjs)$/.test(p) ? [p] : [];
  });
}

export function importsOf(source: string): string[] {
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  return [...source.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The layer of a file under src/ (null for the page's entry files at the top). */
const layerOf = (file: string): Layer | null => (relative(src, file).split('/')[0] as Layer) in allowed ? (relative(src, file).split('/')[0] as Layer) : null;

/** Every import of `file` (text `source`) that breaks the table. */
function violations(file: string, source: string): string[] {
  const from = layerOf(file);
  if (!from) return [];
  const bad: string[] = [];
  for (const spec of importsOf(source)) {
    if (spec.startsWith('.')) {
      const to = layerOf(resolve(dirname(file), spec));
      if (to && to !== from && !allowed[from].includes(to)) bad.push(`${relative(root, file)} (${from}) imports ${spec} (${to})`);
    } else if (forbiddenPackages[from].some((re) => re.test(spec))) bad.push(`${relative(root, file)} (${from}) imports ${spec}`);
  }
  return bad;
}

describe('layer imports', () => {
  it('finds imports in every form used here, and flags a broken arrow (so the check below can fail)', () => {
    const text = `import { a } from '../ui/x';\nimport type { B } from "zustand";\nconst m = await import('node:fs');\nimport './side';\nexport { c } from '../cli/y';`;
    expect(importsOf(text)).toEqual(['../ui/x', 'zustand', 'node:fs', './side', '../cli/y']);
    expect(violations(join(src, 'engine', 'f.ts'), text)).toHaveLength(4); // ui, zustand, node:fs, cli
    expect(violations(join(src, 'workers', 'w.ts'), `import { x } from '../cli/args';`)).toEqual(['src/workers/w.ts (workers) imports ../cli/args (cli)']);
    expect(violations(join(src, 'state', 's.ts'), `import { x } from '../ui/stores';`)).toHaveLength(1);
    expect(violations(join(src, 'cli', 'c.ts'), `import { x } from '../state/runStore';`)).toHaveLength(1);
    expect(violations(join(src, 'ui', 'v.tsx'), `import { x } from '../run/driver';`)).toEqual([]);
  });

  it('holds for every file under src/', () => {
    const files = walk(src);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => violations(f, readFileSync(f, 'utf8')))).toEqual([]);
  });
});
