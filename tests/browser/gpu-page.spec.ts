import { expect, test } from '@playwright/test';

test('the first page finds the SwiftShader adapter, picks the CPU backend and logs no errors', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));

  await page.goto('/');
  await expect(page.getByTestId('adapter-name')).toContainText('swiftshader');
  await expect(page.getByTestId('adapter-fallback')).toHaveText('yes');
  await expect(page.getByTestId('adapter-f16')).toHaveText('not available');
  await expect(page.getByTestId('backend-name')).toHaveText('cpu');
  await expect(page.getByTestId('backend-choice')).toContainText('software fallback');
  // A module worker opened its own GPUDevice and its kernel matched the CPU twin.
  await expect(page.getByTestId('worker-spike')).toHaveAttribute('data-ok', 'true');
  expect(problems).toEqual([]);
});
