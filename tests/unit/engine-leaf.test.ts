// The engine is a leaf: nothing under src/engine may import UI, state, workers, CLI or their libraries.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const forbidden = [/\/(ui|state|workers|cli)\//, /^(react|react-dom|zustand|three|comlink)(\/|$)/, /^node:/];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

export function importsOf(source: string): string[] {
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  return [...source.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
}

describe('src/engine imports', () => {
  it('finds imports in the forms the engine uses (so the check below can fail)', () => {
    const src = `import { a } from '../ui/x';\nimport type { B } from "zustand";\nconst m = await import('node:fs');\nimport './side';`;
    expect(importsOf(src)).toEqual(['../ui/x', 'zustand', 'node:fs', './side']);
  });

  it('never reaches into ui, state, workers, cli, React, zustand, three, comlink or node: modules', () => {
    const files = walk(join(root, 'src', 'engine'));
    expect(files.length).toBeGreaterThan(0);
    const bad: string[] = [];
    for (const f of files) {
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        if (forbidden.some((re) => re.test(spec))) bad.push(`${relative(root, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
