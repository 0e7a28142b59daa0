// Node side of the browser benchmarks: build bench/browser with Vite, serve it on 127.0.0.1, open it in
// Debian's headless Chromium (Playwright, never a downloaded browser) with the test flags, call one
// window.ringlabBench entry and turn its rows into BenchCases (one per peer).
import { createReadStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { build } from 'vite';
import { chromiumArgs } from '../../playwright.config';
import type { BenchCase, Timing } from '../lib';
import type { Row } from './page';

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Build the page, open it, run `entry(...args)` in it; returns the entry's JSON result. */
export async function inChromium<T>(entry: 'matmul' | 'attention' | 'train', ...args: unknown[]): Promise<T> {
  return inPage(import.meta.dirname, (page) => page.evaluate(([e, a]) => (window.ringlabBench[e as 'matmul'] as (...x: unknown[]) => Promise<unknown>)(...(a as unknown[])), [entry, args] as const) as Promise<T>);
}

/** Build the page whose index.html is in `root` with Vite, serve it on 127.0.0.1, open it in Chromium,
 *  wait until its #log says ready, and run `use` on it. */
export async function inPage<T>(root: string, use: (page: Page) => Promise<T>): Promise<T> {
  const outDir = join(tmpdir(), `ringlab-bench-page-${basename(root)}`);
  await build({ configFile: false, root, logLevel: 'warn', build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000 } });
  const server = createServer((req, res) => {
    const path = join(outDir, decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/\/$/, '/index.html'));
    if (!path.startsWith(outDir) || !existsSync(path)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.getElementById('log')?.textContent === 'ready', null, { timeout: 60_000 });
    page.setDefaultTimeout(0);
    return await use(page);
  } finally {
    await browser.close();
    server.close();
  }
}

/** GFLOP/s for `flops` per call, added to a timing. */
export const withGflops = (t: Timing, flops: number): Timing => ({ ...t, gflops: flops / (t.median_ms * 1e6) });

/** One BenchCase per peer of a row (or one with peer null); flops per call gives GFLOP/s columns. */
export function casesOf(rows: Row[], flops: (r: Row) => number | null): BenchCase[] {
  return rows.flatMap((r): BenchCase[] => {
    const f = flops(r);
    const t = (x: Row['ours']): Timing => (f ? withGflops({ ...x }, f) : { ...x });
    const ours = t(r.ours);
    const peers = Object.entries(r.peers);
    if (!peers.length) return [{ name: r.name, params: r.params, ours, peer: null, ratio: null }];
    return peers.map(([name, p]) => ({ name: `${r.name} vs ${name}`, params: r.params, ours, peer: { name, ...t(p) }, ratio: p.median_ms / r.ours.median_ms }));
  });
}
