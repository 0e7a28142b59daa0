// Export from the page: after a tiny run the weights download is a safetensors file under nanoGPT's names
// that the engine loads back, and the bundle download is a tar holding the CLI's bundle (config, uint16
// train.bin / val.bin of the run's data, vocabulary, checkpoint at the last step, converter); during a
// run a download holds the state after the step in flight and the run goes on; the torchrun command for
// the current settings is shown and copied. Backend cpu, the add2 task, a 1-layer model.
import { expect, test, type Download, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { importCheckpoint } from '../../src/engine/checkpoint';
import { makeDataset } from '../../src/engine/data/dataset';
import { taskText } from '../../src/engine/data/tasks';
import { readTokenBin } from '../../src/engine/export';
import { decodeSafetensors } from '../../src/engine/safetensors';
import { importWeights } from '../../src/engine/train/weights';
import { readTar } from '../unit/tar-read';
import { runToEnd, setFields, tiny, watchErrors } from './helpers';

async function downloadBytes(page: Page, button: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: button }).click()]) as [Download, unknown];
  return { name: dl.suggestedFilename(), bytes: new Uint8Array(readFileSync((await dl.path())!)) };
}

test('after a run: the weights and the nanoGPT bundle download and parse; the torchrun command is copied', async ({ page, context }) => {
  const problems = watchErrors(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  const weightsButton = page.getByRole('button', { name: 'Download weights (.safetensors)' });
  await expect(weightsButton).toBeDisabled(); // nothing trained yet
  await setFields(page, tiny);
  await expect(page.getByTestId('command-torchrun')).toHaveText('torchrun --standalone --nproc_per_node=2 train.py config/ringlab_add2.py');
  await expect(page.getByTestId('command-cpu')).toHaveText('python train.py config/ringlab_add2.py --device=cpu --compile=False --dtype=float32');
  await expect(page.getByTestId('command-convert')).toHaveText('python ringlab_add2-bundle/to_nanogpt.py');
  await runToEnd(page);

  const w = await downloadBytes(page, 'Download weights (.safetensors)');
  expect(w.name).toBe('ringlab_add2-step5.safetensors');
  const st = decodeSafetensors(w.bytes);
  expect(st.tensors.has('transformer.wte.weight')).toBe(true);
  expect(st.tensors.has('transformer.h.0.attn.c_attn.weight')).toBe(true);
  const loaded = importWeights(w.bytes);
  expect(loaded.cfg).toMatchObject({ nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16 });
  expect(loaded.params.every(Number.isFinite)).toBe(true);

  const b = await downloadBytes(page, 'Download nanoGPT bundle (.tar)');
  expect(b.name).toBe('ringlab_add2-bundle.tar');
  const { files } = readTar(b.bytes);
  const r = 'ringlab_add2-bundle';
  expect([...files.keys()].sort()).toEqual([
    'README.md', 'bundle.json', 'checkpoint.safetensors', 'config/ringlab_add2.py', 'data/ringlab_add2/train.bin',
    'data/ringlab_add2/val.bin', 'data/ringlab_add2/vocab.json', 'to_nanogpt.py'].map((p) => `${r}/${p}`));
  const data = makeDataset('add2', taskText('add2')!, 0.1);
  expect(readTokenBin(files.get(`${r}/data/ringlab_add2/train.bin`)!)).toEqual(data.train);
  expect(readTokenBin(files.get(`${r}/data/ringlab_add2/val.bin`)!)).toEqual(data.val);
  const ckpt = await importCheckpoint(files.get(`${r}/checkpoint.safetensors`)!); // verifies every tensor's SHA-256
  expect(ckpt.step).toBe(5);
  expect(ckpt.params).toEqual(loaded.params); // the same final weights in both downloads
  const config = new TextDecoder().decode(files.get(`${r}/config/ringlab_add2.py`)!);
  expect(config).toMatch(/^init_from = 'resume'/m);
  expect(config).toMatch(/^gradient_accumulation_steps = 2 /m);

  await page.getByRole('button', { name: 'Copy the torchrun command' }).click();
  await expect(page.getByTestId('command-torchrun-status')).toHaveText('copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('torchrun --standalone --nproc_per_node=2 train.py config/ringlab_add2.py');
  expect(problems).toEqual([]);
});

test('during a run a download holds the state after the step in flight, and the run goes on', async ({ page }) => {
  const problems = watchErrors(page);
  await page.goto('/');
  await setFields(page, { ...tiny, steps: '5000' }); // far more than the test waits for: it is stopped
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await expect.poll(async () => Number((await page.getByTestId('train-step').textContent())?.split(' / ')[0]), { timeout: 30_000 }).toBeGreaterThan(2);
  const b = await downloadBytes(page, 'Download nanoGPT bundle (.tar)');
  const ckpt = await importCheckpoint(readTar(b.bytes).files.get('ringlab_add2-bundle/checkpoint.safetensors')!);
  expect(ckpt.step).toBeGreaterThan(2);
  expect(ckpt.step).toBeLessThan(5000);
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'running');
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 });
  expect(problems).toEqual([]);
});
