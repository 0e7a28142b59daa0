#!/usr/bin/env node
// The README's pictures of the playground, from two real runs in Debian's Chromium:
//   node scripts/page-screenshots.mjs [URL] [--steps S]
// Run 1: the page's defaults (brown, 4 devices x micro-batch 4, backend cpu so the pictures do not
// depend on this machine's adapter). Run 2: the same global batch as 4 x micro-batch 2 x accum 2, same
// seed, so the comparison overlays the same samples split differently. Writes docs/screenshot.png (the
// whole page), docs/screenshot-topology.png (devices and links mid-run, transfers replaying),
// docs/screenshot-charts.png and docs/screenshot-compare.png. Needs a server (npm start or preview).
import { chromium } from '@playwright/test';

const argv = process.argv.slice(2);
const url = argv.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'http://127.0.0.1:5173/';
const steps = argv.includes('--steps') ? argv[argv.indexOf('--steps') + 1] : '150';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.on('console', (m) => m.type() === 'error' && console.error('console.error:', m.text()));
await page.goto(url);
const set = async (k, v) => {
  const el = page.getByTestId(`setting-${k}`);
  if (!(await el.isVisible())) await page.locator('details.advanced > summary').click();
  if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(v);
  else await el.fill(v);
};
const ended = () => page.waitForFunction(() => ['done', 'failed', 'stopped'].includes(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-status') ?? ''), null, { timeout: 1_200_000, polling: 500 });

await set('backend', 'cpu');
await set('steps', steps);
await page.getByTestId('train-start').click();
await ended();
console.log(`run 1 ${await page.getByTestId('train-status').getAttribute('data-outcome')}: ${await page.getByTestId('train-message').textContent()}`);
await page.getByTestId('train-sample').waitFor({ timeout: 60_000 }).catch(() => undefined);

await set('microBatch', '2');
await set('accum', '2');
await page.getByTestId('train-start').click();
// mid-run: the topology replays the latest step's transfers
const topology = page.locator('section.topology');
await topology.scrollIntoViewIfNeeded();
await page.getByTestId('train-step').filter({ hasText: /^(1\d|[2-9]\d|\d{3}) \// }).waitFor({ timeout: 600_000 });
await page.waitForTimeout(1200);
await page.locator('.columns').screenshot({ path: 'docs/screenshot-topology.png' });
await ended();
console.log(`run 2 ${await page.getByTestId('train-status').getAttribute('data-outcome')}: ${await page.getByTestId('train-message').textContent()}`);
await page.getByTestId('train-sample').waitFor({ timeout: 60_000 }).catch(() => undefined);
const charts = page.locator('section.charts');
// charts draw only while on screen, and an element screenshot does not wait for that: visit each one
for (const id of ['timeline-chart', 'gradlr-chart', 'steptime-chart', 'throughput-chart', 'loss-chart']) {
  await page.getByTestId(id).scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
}
await page.waitForTimeout(1000);
await charts.screenshot({ path: 'docs/screenshot-charts.png' });
const compare = page.locator('section', { has: page.getByRole('heading', { name: 'Compare runs' }) });
await compare.scrollIntoViewIfNeeded();
await page.waitForTimeout(800);
await compare.screenshot({ path: 'docs/screenshot-compare.png' });
await page.evaluate(() => window.scrollTo(0, 0));
await page.waitForTimeout(800);
await page.screenshot({ path: 'docs/screenshot.png', fullPage: true });
await browser.close();
console.log('wrote docs/screenshot.png, docs/screenshot-topology.png, docs/screenshot-charts.png, docs/screenshot-compare.png');
