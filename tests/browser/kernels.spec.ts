// The matmul and attention kernels checked in Chromium (SwiftShader through Dawn, as users get it),
// against the CPU backend in the same page: tests/browser/pages/kernels.ts (a second Vite entry); and the
// CPU backend's WebAssembly kernels in a Web Worker of that page.
import { expect, test } from '@playwright/test';

test('matmul and attention kernels in Chromium match the CPU backend within the kernel tolerances', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto('/tests/browser/pages/kernels.html');
  const result = page.locator('#result');
  await expect(result).not.toHaveText('running', { timeout: 90_000 });
  const report = JSON.parse((await result.textContent()) ?? '{}') as Record<string, number | string>;
  expect(report.error).toBeUndefined();
  expect(String(report.adapter)).toContain('swiftshader');
  const checks = Object.entries(report).filter(([k]) => k.startsWith('matmul') || k.startsWith('attention'));
  expect(checks.length).toBe(4 * 3 * 4 + 3 * 4 + 3 * 2); // matmul variant x shape x transpose; attention fwd (row/tiled x scalar/vec4) and bwd (scalar/vec4) per shape
  const bad = checks.filter(([, v]) => !(typeof v === 'number' && v <= 1));
  expect(bad).toEqual([]); // each value is max |err| / tolerance
  // the CPU backend in a Web Worker of the built bundle runs its WebAssembly SIMD kernels, within tolerance
  expect(report['cpu worker error']).toBeUndefined();
  expect(report['cpu worker kernels']).toBe('wasm-simd');
  expect(report['cpu worker matmul']).toBeLessThanOrEqual(1);
  expect(report['cpu worker attention']).toBeLessThanOrEqual(1);
  expect(problems).toEqual([]);
});
