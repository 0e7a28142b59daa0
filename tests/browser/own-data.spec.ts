// A text of one's own in the page: importing a .txt makes it the data set and a run trains on it; it is
// still there after a reload (IndexedDB) and trains again; a file over the size limit and one that is not
// UTF-8 are refused with their messages (the byte offset named) and change nothing; a deleted text that
// the settings still name is asked for, as a receiver of a link with dataFile=NAME sees it.
import { expect, test, type Page } from '@playwright/test';
import { runToEnd, setFields, tiny, watchErrors } from './helpers';

const story = Buffer.from('Once upon a time a small model read a short story, over and over again.\n'.repeat(60));
const importFile = (page: Page, name: string, buffer: Buffer) => page.getByTestId('own-import').setInputFiles({ name, mimeType: 'text/plain', buffer });

test('an imported text trains, survives a reload, and bad files are refused with their message', async ({ page }) => {
  const problems = watchErrors(page);
  await page.goto('/');
  await setFields(page, { ...tiny, steps: '3' });

  await importFile(page, 'too-big.txt', Buffer.alloc(8 * 2 ** 20 + 1, 0x61));
  await expect(page.getByTestId('own-note')).toHaveText('too-big.txt is 8,388,609 bytes, more than the 8,388,608 bytes (8 MiB) the page takes; use a shorter text (or train on it with npm run train --data FILE)');
  await importFile(page, 'latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]));
  await expect(page.getByTestId('own-note')).toHaveText('latin1.txt is not UTF-8 text: invalid byte sequence at byte 3');
  await expect(page.getByTestId('own-text')).toHaveCount(0); // nothing kept
  await expect(page.getByTestId('setting-data')).toHaveValue('add2'); // nor chosen

  await importFile(page, 'story.txt', story);
  await expect(page.getByTestId('own-note')).toHaveText(/^story\.txt: 4,320 characters, vocabulary 23; kept in this browser and chosen as the data$/);
  await expect(page.getByTestId('setting-data')).toHaveValue('story.txt');
  await runToEnd(page);
  await expect(page.getByTestId('train-message')).toContainText('story.txt:');

  await page.reload();
  await expect(page.getByTestId('own-text')).toHaveAttribute('data-name', 'story.txt');
  await expect(page.getByTestId('setting-data')).toHaveValue('story.txt');
  await expect(page.getByTestId('setting-data-error')).toHaveCount(0);
  await runToEnd(page);
  await expect(page.getByTestId('train-step')).toHaveText('3 / 3');

  // deleted while the settings still name it: the page asks for the file, and Start is off
  await page.getByRole('button', { name: 'Delete story.txt' }).click();
  await expect(page.getByTestId('setting-data-error')).toHaveText(`'story.txt' is a text of your own that this browser does not have (a link names the text but never carries it): import story.txt under "Your own text" to train on it`);
  await expect(page.getByTestId('train-start')).toBeDisabled();
  expect(problems).toEqual([]);
});
