// The playground as a teacher and a practitioner use it: 4 devices with accumulation and fp16 show the
// loss scale and the traffic of each step; two runs are compared and, with the settings, survive a
// reload; leaving during a run asks first; the page fits 420 px without sideways scrolling. Screenshots
// of the main states are saved with the test results. Tiny models on the synthetic add2 task, so each
// run takes seconds on 2 cores.
import { expect, test } from '@playwright/test';
import { runToEnd, setFields, tiny, watchErrors } from './helpers';

test('4 devices, accum 2, fp16: the loss scale, the traffic on 4 links, memory and the timeline of each device', async ({ page }, info) => {
  const problems = watchErrors(page);
  await page.goto('/');
  await setFields(page, { ...tiny, devices: '4', microBatch: '1', accum: '2', precision: 'fp16', steps: '6' });
  await expect(page.getByTestId('global-batch')).toContainText('4 devices × 1 micro-batch × 2 accum = 8 sequences');
  await runToEnd(page);

  const scale = page.getByTestId('lossscale-chart');
  await expect(scale).toHaveAttribute('data-points', '6');
  // fp16 starts from a large scale (GradScaler's 2^16) and only halves on overflow: never 1 as in fp32
  expect(Number(await scale.getAttribute('data-last-scale'))).toBeGreaterThan(1);
  await expect(page.getByRole('figure', { name: 'Loss scale' })).toBeVisible();
  for (const name of ['Loss', 'Throughput', 'Step time', 'Gradient norm and learning rate', 'Memory per device', 'Timeline of the latest step']) {
    await expect(page.getByRole('figure', { name, exact: true }), name).toBeVisible();
  }
  const topology = page.getByRole('group', { name: 'Topology' });
  await expect(topology.getByRole('img', { name: /^device \d+$/ })).toHaveCount(4);
  const bytes = await topology.locator('path.topo-link').evaluateAll((ps) => ps.map((p) => Number(p.getAttribute('data-bytes'))));
  expect(bytes).toHaveLength(4);
  expect(bytes.every((b) => b > 0)).toBe(true);
  await expect(page.getByTestId('memory-chart').locator('li')).toHaveCount(4);
  await expect(page.getByTestId('timeline-chart')).toHaveAttribute('data-step', '6');
  // the replay caption follows the animation through the step (it runs only while the drawing is on screen)
  await topology.scrollIntoViewIfNeeded();
  await expect(page.getByTestId('topology-caption')).toContainText(/^step 6, [\d.]+–[\d.]+ ms of [\d.]+ ms, replayed \d+x slower: /);
  await expect(page.getByTestId('steptime-chart')).toHaveAttribute('data-points', '6');
  await page.screenshot({ path: info.outputPath('four-devices-fp16.png'), fullPage: true });
  expect(problems).toEqual([]);
});

test('two runs compared (micro-batch 4 against 2 x accum 2, same seed); runs and settings survive a reload', async ({ page }, info) => {
  const problems = watchErrors(page);
  await page.goto('/');
  await setFields(page, { ...tiny, microBatch: '4', steps: '4' });
  await runToEnd(page);
  await setFields(page, { microBatch: '2', accum: '2' });
  await runToEnd(page);

  const rows = page.getByTestId('compare-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-selected', 'true');
  await expect(rows.nth(1)).toHaveAttribute('data-selected', 'true');
  await expect(page.getByTestId('compare-loss-chart')).toHaveAttribute('data-runs', '2');
  await expect(page.getByTestId('compare-diff')).toHaveText('Compared runs differ in: microBatch, accum.');
  // same global batch, same samples: the split changes the summation order only
  const finals = (await page.getByTestId('compare-final-loss').allTextContents()).map(Number);
  expect(Math.abs(finals[0] - finals[1])).toBeLessThan(1e-3);
  await page.getByRole('figure', { name: 'Compared loss' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('compare.png'), fullPage: true });

  await page.reload();
  await expect(page.getByTestId('compare-row')).toHaveCount(2);
  await expect(page.getByTestId('setting-accum')).toHaveValue('2');
  await expect(page.getByTestId('setting-data')).toHaveValue('add2');
  // unticking leaves one run: the charts say so
  await page.getByRole('checkbox', { name: 'compare run 1' }).uncheck();
  await expect(page.getByTestId('compare-diff')).toHaveText('Tick another run to compare.');
  expect(problems).toEqual([]);
});

test('leaving during a run asks first; at 420 px nothing scrolls sideways, a long sample line wraps', async ({ page }, info) => {
  const problems = watchErrors(page);
  await page.setViewportSize({ width: 420, height: 900 });
  await page.goto('/');
  await setFields(page, { ...tiny, steps: '300' });
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-step')).toHaveText(/^[1-9]\d* \/ 300$/, { timeout: 30_000 });
  const asked = new Promise<string>((resolve) => page.once('dialog', (d) => { resolve(d.type()); void d.dismiss(); }));
  await page.close({ runBeforeUnload: true }).catch(() => undefined);
  expect(await asked).toBe('beforeunload');
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'running'); // dismissed: still training
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 });

  // a sample that is one character repeated (an untrained model's favourite) must wrap, not widen the page
  await page.evaluate(() => {
    const box = document.createElement('div');
    box.className = 'sample';
    box.appendChild(document.createElement('pre')).textContent = 'e'.repeat(600);
    document.querySelector('[data-testid="device-breakdown"]')!.closest('section')!.appendChild(box);
  });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  await page.screenshot({ path: info.outputPath('narrow-420.png'), fullPage: true });
  expect(problems).toEqual([]);
});

test('leaving during a run anyway: the next load says where the run ended and which checkpoint goes on, once', async ({ page }) => {
  const problems = watchErrors(page);
  await page.goto('/');
  await setFields(page, { ...tiny, steps: '300', checkpointEvery: '2', linkLatency: '20' });
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-events').locator('[data-kind="checkpoint"]').first()).toBeVisible({ timeout: 30_000 });
  page.once('dialog', (d) => void d.accept()); // "leave the page?": yes
  await page.reload();
  const said = /^The last run ended when the page was left, at step (\d+) of 300\. Its newest checkpoint \(step (\d+)\) is under Checkpoints: Restore goes on from there\.$/;
  await expect(page.getByTestId('train-message')).toHaveText(said);
  const [, step, checkpoint] = said.exec((await page.getByTestId('train-message').textContent())!)!.map(Number);
  expect(checkpoint).toBeGreaterThanOrEqual(2);
  expect(step).toBeGreaterThanOrEqual(checkpoint);
  await expect(page.locator(`[data-testid="checkpoint-row"][data-step="${checkpoint}"]`)).toHaveCount(1); // listed, to restore
  await page.reload(); // said once
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByText(/The last run ended when the page was left/)).toHaveCount(0);
  // a record this page did not write (edited by hand) is dropped: no message, no error
  await page.evaluate(() => localStorage.setItem('ringlab:interrupted', '{"step": 3, "steps":'));
  await page.reload();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByText(/The last run ended when the page was left/)).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('ringlab:interrupted'))).toBeNull();
  expect(problems).toEqual([]);
});

test('the allreduce setting redraws the links; the 3D view loads three.js only when asked, and the SVG stays for screen readers', async ({ page }) => {
  const problems = watchErrors(page);
  const chunks: string[] = [];
  page.on('request', (r) => chunks.push(r.url()));
  await page.goto('/');
  const topology = page.getByRole('group', { name: 'Topology' });
  await setFields(page, { devices: '4', allreduce: 'ring' });
  await expect(topology.locator('path.topo-link')).toHaveCount(4);
  await setFields(page, { allreduce: 'tree' });
  await expect(topology.locator('path.topo-link')).toHaveCount(6); // 1-0, 2-0, 3-2, both ways
  await setFields(page, { allreduce: 'naive' });
  await expect(topology.locator('path.topo-link')).toHaveCount(6); // 1-0, 2-0, 3-0, both ways
  await setFields(page, { devices: '3', slowDevice: '2:3' });
  await expect(topology.getByRole('img', { name: 'device 2' })).toHaveAttribute('data-state', 'slow');
  await expect(topology.getByRole('img', { name: 'device 2' })).toContainText('slow ×3');

  expect(chunks.filter((u) => u.includes('Topology3D'))).toEqual([]);
  await page.getByRole('button', { name: '3D view' }).click();
  await expect(page.getByTestId('topology-3d').locator('canvas')).toBeVisible();
  expect(chunks.filter((u) => u.includes('Topology3D'))).toHaveLength(1);
  await expect(topology.getByRole('img', { name: /^device \d+$/ })).toHaveCount(3);
  await page.getByRole('button', { name: '2D view' }).click();
  await expect(page.getByTestId('topology-3d')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('a run whose loss climbs above its start is flagged, never shown as done', async ({ page }) => {
  const problems = watchErrors(page);
  await page.goto('/');
  // a learning rate 500 times the default with clipping off: the loss leaves its start within steps
  await setFields(page, { ...tiny, lr: '5', clip: '0', steps: '8' });
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', /^(done|failed)$/, { timeout: 60_000 });
  await expect(status).toHaveAttribute('data-outcome', /^(diverging|diverged)$/);
  await expect(page.getByTestId('loss-warning').or(page.getByTestId('run-failure')).first()).toBeVisible();
  expect(problems).toEqual([]);
});
