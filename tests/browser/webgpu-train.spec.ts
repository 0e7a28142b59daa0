// The page's WebGPU path: with the backend forced to webgpu, two device workers each open their own
// GPUDevice (SwiftShader here) and train the same losses as the CPU engine in Node on the same global
// batch (1 device x micro-batch 4 = 2 devices x micro-batch 2). Tolerance as in
// tests/gpu/cli-backend.test.ts: same weights and batches, only f32 summation order differs (kernels
// agree to ~1e-7 relative, carried forward by a few AdamW steps); 1e-5 stays far below one step's loss
// change. Tiny and short: SwiftShader is slow.
import { expect, test } from '@playwright/test';
import { makeDataset } from '../../src/engine/data/dataset';
import { taskText } from '../../src/engine/data/tasks';
import { DEFAULT_FORM, validateForm } from '../../src/state/trainForm';
import { runLocal } from '../unit/run-helpers';
import { runToEnd, setFields, tiny, watchErrors } from './helpers';

test('backend webgpu in the page trains the CPU engine\'s losses on every device', async ({ page }) => {
  const problems = watchErrors(page);
  const steps = { ...tiny, steps: '3' };
  const r = validateForm({ ...DEFAULT_FORM, ...steps, devices: '1', microBatch: '4' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const expected = (await runLocal({ ...r.cfg, backend: 'cpu' }, makeDataset('add2', taskText('add2')!, 0.1))).steps.map((m) => m.loss);

  await page.goto('/');
  await setFields(page, { ...steps, backend: 'webgpu' });
  await runToEnd(page, 'done', 100_000);
  await expect(page.getByTestId('train-message')).toContainText('backend webgpu on every device');
  await expect(page.getByTestId('device-backend')).toHaveText(['webgpu', 'webgpu']);
  const losses = JSON.parse((await page.getByTestId('loss-chart').getAttribute('data-loss'))!) as number[];
  const diffs = losses.map((l, i) => Math.abs(l - expected[i]));
  console.log(`page webgpu vs node cpu loss differences per step: ${diffs.map((d) => d.toExponential(1)).join(' ')}`);
  expect(losses).toHaveLength(3);
  for (const d of diffs) expect(d).toBeLessThan(1e-5);
  expect(losses[2]).toBeLessThan(losses[0] - 0.01); // the updates happened
  expect(problems).toEqual([]);
});
