// Checkpoint atomicity in Chromium's real IndexedDB (Node's tests use fake-indexeddb): a save aborted
// inside its transaction leaves the previous checkpoint intact and loadable, and nothing of the aborted
// one is listed; a saved checkpoint is still there, bit for bit, after a reload.
import { expect, test } from '@playwright/test';

test('a save aborted inside its IndexedDB transaction loses nothing; checkpoints survive a reload', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto('/tests/browser/pages/idb.html');
  await page.waitForFunction(() => 'idbChecks' in window);
  const r = await page.evaluate(() => window.idbChecks.abortedSave('ringlab-atomic'));
  expect(r.puts).toBeGreaterThanOrEqual(3); // the abort happened with writes of the second save queued
  expect(r.code).toBe('IO');
  expect(r.ids).toEqual(['atomic/step-1']);
  expect(r.firstIntact).toBe(true);

  const saved = await page.evaluate(() => window.idbChecks.saveForReload('ringlab-reload'));
  await page.reload();
  await page.waitForFunction(() => 'idbChecks' in window);
  const loaded = await page.evaluate(() => window.idbChecks.loadAfterReload('ringlab-reload'));
  expect(loaded.step).toBe(saved.saved);
  expect(loaded.sum).toBe(saved.sum);
  expect(problems).toEqual([]);
});
