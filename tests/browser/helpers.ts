// Shared steps of the page tests: collect console and page errors (any fails a test), fill settings by
// their test ids (opening "Advanced settings" when the field is inside it), run and wait for the end.
import { expect, type Page } from '@playwright/test';
import type { FieldKey, FormValues } from '../../src/state/trainForm';

/** Console errors and uncaught page errors, collected for the whole test. */
export function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console.error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

export async function setFields(page: Page, v: Partial<FormValues>): Promise<void> {
  for (const [k, value] of Object.entries(v) as [FieldKey, string][]) {
    const el = page.getByTestId(`setting-${k}`);
    if (!(await el.isVisible())) await page.locator('details.advanced > summary').click();
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
    else await el.fill(value);
  }
}

/** Click Start and wait until the run has ended with `status` (done, stopped, failed). */
export async function runToEnd(page: Page, status = 'done', timeout = 60_000): Promise<void> {
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', status, { timeout });
}

/** A tiny run on the synthetic add2 task (a few seconds on 2 cores). */
export const tiny: Partial<FormValues> = {
  backend: 'cpu', devices: '2', microBatch: '2', accum: '1', allreduce: 'ring', data: 'add2', steps: '5', warmup: '0', lr: '0.01',
  nLayer: '1', nHead: '2', nEmbd: '16', blockSize: '16',
};

export type { FieldKey };
