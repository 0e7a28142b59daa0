// Checkpoints in the page (Chromium's real IndexedDB): a run saves them on its cadence, they are listed
// again after a reload, and restoring one continues the run exactly: the same devices and the same code
// give the uninterrupted run's losses bit for bit. A checkpoint exported as .safetensors imports back,
// lists and restores; a corrupt file is refused with its code and stores nothing. Tiny runs on add2.
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { runToEnd, setFields, tiny, watchErrors } from './helpers';

/** Six steps with a checkpoint every three: checkpoints at steps 3 and 6. */
const withCheckpoints = { ...tiny, steps: '6', checkpointEvery: '3', keep: '3' };

const losses = async (page: Page): Promise<number[]> => JSON.parse((await page.getByTestId('loss-chart').getAttribute('data-loss'))!) as number[];
const rows = (page: Page) => page.getByRole('region', { name: 'Checkpoints' }).getByTestId('checkpoint-row');

/** Restore the listed checkpoint of step `step` (the first such row) and wait for the run to end. */
async function restore(page: Page, step: number): Promise<void> {
  await rows(page).and(page.locator(`[data-step="${step}"]`)).first().getByRole('button', { name: /^restore step/ }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
}

test('checkpoints survive a reload; restoring one continues to the uninterrupted run\'s losses bit for bit', async ({ page }, info) => {
  const problems = watchErrors(page);
  await page.goto('/');
  await setFields(page, withCheckpoints);
  await runToEnd(page);
  const whole = await losses(page);
  expect(whole).toHaveLength(6);
  await expect(rows(page)).toHaveCount(2);
  await expect(page.getByTestId('run-events')).toContainText('checkpoint saved at step 3');

  await page.reload();
  const list = page.getByRole('region', { name: 'Checkpoints' });
  await expect(rows(page)).toHaveCount(2);
  await expect(rows(page).nth(0)).toHaveAttribute('data-step', '6'); // newest first
  await expect(rows(page).nth(1)).toContainText(/run of \d\d:\d\d:\d\d\s*3\s*\d\.\d{4}/); // run, step, loss
  await list.scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('checkpoints-after-reload.png'), fullPage: true });

  await restore(page, 3);
  const after = await losses(page);
  console.log(`uninterrupted ${whole.map((l) => l.toFixed(7)).join(' ')}`);
  console.log(`restored at 3 ${after.map((l) => l.toFixed(7)).join(' ')}`);
  console.log(`steps 4-6 after restore vs uninterrupted: ${after.slice(3).map((l, i) => `${l} vs ${whole[3 + i]}`).join(', ')}`);
  // steps 1-3 are redrawn from the checkpoint's history, steps 4-6 trained again from its state
  expect(after).toEqual(whole);
  await expect(page.getByTestId('run-events')).toContainText('resumed from the checkpoint at step 3');
  await expect(page.getByTestId('train-step')).toHaveText('6 / 6');
  // the resumed run saves under a run of its own: its step-6 checkpoint joins the list
  await expect(rows(page)).toHaveCount(3);
  await page.screenshot({ path: info.outputPath('checkpoint-restored.png'), fullPage: true });
  expect(problems).toEqual([]);
});

test('export a checkpoint, import it back (it lists and restores); a corrupt file names its problem and stores nothing', async ({ page }, info) => {
  const problems = watchErrors(page);
  await page.goto('/');
  await setFields(page, withCheckpoints);
  await runToEnd(page);
  const whole = await losses(page);
  await expect(rows(page)).toHaveCount(2);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    rows(page).and(page.locator('[data-step="3"]')).getByRole('button', { name: /^export step 3/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^ringlab-run-\d+-\w+-step-3\.safetensors$/);
  const bytes = await readFile((await download.path())!);
  // the original goes, so what restores below can only be the imported copy
  await rows(page).and(page.locator('[data-step="3"]')).getByRole('button', { name: /^delete step 3/ }).click();
  await expect(rows(page)).toHaveCount(1);

  const input = page.getByLabel('import checkpoint file');
  const corrupt = Buffer.from(bytes);
  corrupt[corrupt.length - 5] ^= 0x01; // one bit of the last tensor: only its SHA-256 can tell
  await input.setInputFiles({ name: 'corrupt.safetensors', mimeType: 'application/octet-stream', buffer: corrupt });
  await expect(page.getByTestId('checkpoint-message')).toContainText(/^corrupt\.safetensors was not imported: HASH: /);
  await expect(page.getByTestId('checkpoint-message')).toHaveAttribute('role', 'alert');
  await expect(rows(page)).toHaveCount(1);
  await page.getByRole('region', { name: 'Checkpoints' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('checkpoint-corrupt-import.png'), fullPage: true });

  await input.setInputFiles({ name: 'good.safetensors', mimeType: 'application/octet-stream', buffer: bytes });
  await expect(page.getByTestId('checkpoint-message')).toContainText('imported good.safetensors: step 3 of 6');
  await expect(rows(page)).toHaveCount(2);
  const imported = rows(page).and(page.locator('[data-run^="import-"]'));
  await expect(imported).toHaveAttribute('data-step', '3');
  await expect(imported).toContainText(/imported \d\d:\d\d:\d\d/);

  await page.screenshot({ path: info.outputPath('checkpoint-imported.png'), fullPage: true });
  await imported.getByRole('button', { name: /^restore step 3/ }).click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  expect(await losses(page)).toEqual(whole);
  expect(problems).toEqual([]);
});

test('a full storage refuses a save with a clear message; the run goes on and the earlier checkpoint still restores', async ({ page }) => {
  const problems = watchErrors(page);
  // the browser answers: room for the first checkpoint, none after it
  await page.addInitScript(() => {
    let calls = 0;
    navigator.storage.estimate = async () => ({ usage: 0, quota: ++calls > 1 ? 1000 : 1e12 });
  });
  await page.goto('/');
  await setFields(page, withCheckpoints);
  await runToEnd(page);
  const message = /^checkpoint at step 6 not saved \(QUOTA\): checkpoint of step 6 needs ~[\d.]+ MB but only 0\.0 MB of the page's 0\.0 MB are free; nothing was written/;
  await expect(page.getByTestId('run-events').locator('li.error')).toHaveText(message);
  await expect(page.getByTestId('checkpoint-message')).toHaveText(message);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page)).toHaveAttribute('data-step', '3');
  const whole = await losses(page);
  await restore(page, 3);
  expect(await losses(page)).toEqual(whole);
  expect(problems).toEqual([]);
});
