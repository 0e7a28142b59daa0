// The built site works from any path prefix on a plain static host: dist/ (built by the preview
// webServer of playwright.config.ts) served under /some/prefix/ by a file server that sends no
// cross-origin-isolation headers loads, fetches the Brown corpus from under the prefix (not from the
// root, nor from beside the worker scripts in assets/), and trains a few steps in Web Workers.
import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { setFields, tiny, watchErrors } from './helpers';
import { serveStatic, type StaticSite } from './static-server';

const PREFIX = '/some/prefix/';
let site: StaticSite;
test.beforeAll(async () => {
  site = await serveStatic(join(import.meta.dirname, '..', '..', 'dist'), PREFIX);
});
test.afterAll(async () => site?.close());

test('dist/ served under a sub-path with no special headers trains on the Brown corpus', async ({ page }) => {
  const problems = watchErrors(page);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  const res = await page.goto(site.url.replace(/\/$/, '')); // the prefix without its slash is redirected
  expect(res?.headers()['cross-origin-opener-policy']).toBeUndefined();
  expect(res?.headers()['cross-origin-embedder-policy']).toBeUndefined();
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(false);
  await setFields(page, { ...tiny, data: 'brown', steps: '3' });
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('train-step')).toHaveText('3 / 3');
  // after the redirect every request stayed under the prefix, the corpus included
  expect(requests).toContain(`${PREFIX}data/brown.txt`);
  expect(requests.slice(1).filter((p) => !p.startsWith(PREFIX))).toEqual([]);
  expect(problems).toEqual([]);
});
