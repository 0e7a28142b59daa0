// Texts of one's own in the page: the checks before reading (name, size), the bytes checked by the
// engine's strict decoder (byte offset named) and tokenized as the CLI does, kept in IndexedDB
// (fake-indexeddb) across connections, and the settings form asking for a text this browser lacks, as a
// receiver of a link with dataFile=NAME would see it.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/engine/data/dataset';
import { configFromLink, configToLink } from '../../src/engine/link';
import { createFormStore } from '../../src/state/formStore';
import { isOwnTextName, MAX_TEXT_BYTES, ownDataset, textFileProblem } from '../../src/state/ownText';
import { deleteText, getText, listTexts, putText } from '../../src/state/textStore';
import { dataProblem, DEFAULT_FORM, validateForm } from '../../src/state/trainForm';

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = 'The quick brown fox jumps over the lazy dog.\n'.repeat(40);

describe('textFileProblem', () => {
  it('takes a plain .txt name up to the size limit, refuses larger, empty, built-in and unsafe names', () => {
    expect(textFileProblem('notes.txt', MAX_TEXT_BYTES)).toBeNull();
    expect(textFileProblem('notes.txt', MAX_TEXT_BYTES + 1)).toBe('notes.txt is 8,388,609 bytes, more than the 8,388,608 bytes (8 MiB) the page takes; use a shorter text (or train on it with npm run train --data FILE)');
    expect(textFileProblem('notes.txt', 0)).toBe('notes.txt is empty');
    expect(textFileProblem('brown', 10)).toMatch(/^'brown' is the name of a built-in data set; rename the file/);
    expect(textFileProblem('add2', 10)).toMatch(/built-in/);
    expect(textFileProblem('a\u0007b.txt', 10)).toMatch(/cannot name a data set/);
    expect(textFileProblem('..', 10)).toMatch(/cannot name a data set/);
    expect(isOwnTextName('notes.txt')).toBe(true);
    expect(isOwnTextName('reverse')).toBe(false);
  });
});

describe('ownDataset', () => {
  it('splits and tokenizes as npm run train --data FILE does', () => {
    const ds = ownDataset('notes.txt', utf8(text));
    const cli = makeDataset('notes.txt', text, 0.1);
    expect(ds.train).toEqual(cli.train);
    expect(ds.val).toEqual(cli.val);
    expect(ds.tokenizer.toJSON()).toBe(cli.tokenizer.toJSON());
  });

  it('names the file and the byte offset of bytes that are not UTF-8 text', () => {
    expect(() => ownDataset('bad.txt', new Uint8Array([...utf8('héllo'), 0xc3, 0x28]))).toThrow('bad.txt is not UTF-8 text: invalid byte sequence at byte 6');
    expect(() => ownDataset('utf16.txt', new Uint8Array([0x61, 0, 0x62, 0]))).toThrow('utf16.txt is not text: NUL byte at byte 1 (binary data or UTF-16?)');
  });
});

describe('textStore (IndexedDB)', () => {
  it('keeps texts by name across connections, replaces and deletes them', async () => {
    await putText('a.txt', utf8('first'), 1000);
    await putText('b.txt', utf8('second'), 2000);
    await putText('a.txt', utf8('first, again'), 3000);
    expect(await listTexts()).toEqual([{ name: 'a.txt', size: 12, savedAt: 3000 }, { name: 'b.txt', size: 6, savedAt: 2000 }]);
    expect(new TextDecoder().decode((await getText('a.txt'))!)).toBe('first, again');
    await deleteText('a.txt');
    expect(await getText('a.txt')).toBeNull();
    expect((await listTexts()).map((t) => t.name)).toEqual(['b.txt']);
    // the bytes kept are a copy: changing the caller's array afterwards changes nothing stored
    const mine = utf8('mine');
    await putText('c.txt', mine);
    mine[0] = 0x4d;
    expect(new TextDecoder().decode((await getText('c.txt'))!)).toBe('mine');
  });
});

describe('the settings form and a text of one\'s own', () => {
  it('trains on a kept text, asks for one this browser lacks, and waits while the list is unknown', () => {
    const form = { ...DEFAULT_FORM, data: 'notes.txt' };
    const ok = validateForm(form, ['notes.txt']);
    expect(ok.ok && ok.cfg.data).toBe('notes.txt');
    const missing = validateForm(form, []);
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.errors.data).toBe(`'notes.txt' is a text of your own that this browser does not have (a link names the text but never carries it): import notes.txt under "Your own text" to train on it`);
    expect(dataProblem('notes.txt', null)).toBe(`looking for your text 'notes.txt' in this browser…`);
    expect(dataProblem('a/b.txt', [])).toMatch(/is not available in the browser/);
    expect(dataProblem('add2', null)).toBeNull();
  });

  it('a link made while using the text names it as dataFile; the form store asks for it until it is imported', () => {
    const store = createFormStore(null);
    store.getState().setOwnTexts(['notes.txt']);
    store.getState().setField('data', 'notes.txt');
    const cfg = store.getState().cfg!;
    expect(cfg.data).toBe('notes.txt');
    const link = configToLink(cfg, { ownData: true });
    expect(link).toContain('dataFile=notes.txt');
    const read = configFromLink(link);
    expect(read.ok && read.dataFile).toBe('notes.txt');
    // the receiver: the settings name the file, this browser has no such text
    const receiver = createFormStore(null);
    receiver.getState().setOwnTexts([]);
    receiver.getState().setField('data', read.ok ? read.dataFile! : '');
    expect(receiver.getState().cfg).toBeNull();
    expect(receiver.getState().errors.data).toMatch(/^'notes.txt' is a text of your own that this browser does not have/);
    receiver.getState().setOwnTexts(['notes.txt']); // imported
    expect(receiver.getState().cfg?.data).toBe('notes.txt');
  });
});
