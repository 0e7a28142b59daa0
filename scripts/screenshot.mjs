#!/usr/bin/env node
// Screenshot a page in Debian's Chromium with WebGPU on:
//   node scripts/screenshot.mjs URL OUT.png [waitForTestId] [--train key=value,...]
// --train fills the settings (keys as in src/state/formFields.ts, e.g. devices=4,data=brown,steps=40;
// fields under "Advanced settings" are opened first), clicks Start and waits until the run has ended and
// its sample is shown (up to 10 minutes). For the README's set of pictures see page-screenshots.mjs.
import { chromium } from '@playwright/test';

const argv = process.argv.slice(2);
const trainArg = argv.find((a) => a.startsWith('--train'));
const train = trainArg ? Object.fromEntries((trainArg.split('=').slice(1).join('=') || '').split(',').filter(Boolean).map((kv) => kv.split('='))) : null;
const [url = 'http://127.0.0.1:5173/', out = 'docs/screenshot.png', waitFor] = argv.filter((a) => !a.startsWith('--'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
page.on('console', (m) => m.type() === 'error' && console.error('console.error:', m.text()));
await page.goto(url);
if (waitFor) await page.getByTestId(waitFor).waitFor({ timeout: 60_000 });
if (train) {
  for (const [k, v] of Object.entries(train)) {
    const el = page.getByTestId(`setting-${k}`);
    if (!(await el.isVisible())) await page.locator('details.advanced > summary').click();
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(v);
    else await el.fill(v);
  }
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await page.waitForFunction(() => ['done', 'failed', 'stopped'].includes(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-status') ?? ''), null, { timeout: 600_000, polling: 500 });
  console.log(`run ${await status.getAttribute('data-outcome')}: ${await page.getByTestId('train-message').textContent()}`);
  await page.getByTestId('train-sample').waitFor({ timeout: 60_000 }).catch(() => console.error('no sample shown'));
}
await page.waitForTimeout(1500);
await page.screenshot({ path: out, fullPage: true });
await browser.close();
console.log(`wrote ${out}`);
