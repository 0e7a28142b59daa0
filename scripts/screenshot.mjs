#!/usr/bin/env node
// Screenshot a page in Debian's Chromium with WebGPU on: `node scripts/screenshot.mjs URL OUT.png [waitForTestId]`.
import { chromium } from '@playwright/test';

const [url = 'http://127.0.0.1:5173/', out = 'docs/screenshot.png', waitFor] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
page.on('console', (m) => m.type() === 'error' && console.error('console.error:', m.text()));
await page.goto(url);
if (waitFor) await page.getByTestId(waitFor).waitFor({ timeout: 60_000 });
await page.waitForTimeout(1500);
await page.screenshot({ path: out, fullPage: true });
await browser.close();
console.log(`wrote ${out}`);
