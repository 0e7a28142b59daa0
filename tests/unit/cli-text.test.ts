// `npm run train` / `npm run eval` on text files: any valid UTF-8 trains (U+FFFD and a byte-order mark are
// characters), a file that is not UTF-8 is refused in one line naming the byte offset, and LF, CRLF and
// CR-only files train as different texts (\r is a character). NUL bytes, the other refusal, take the same
// path from decodeText to the one-line error and are tested there (text.test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CharTokenizer } from '../../src/engine/data/tokenizer';
import { numParams } from '../../src/engine/model/params';
import { exportWeights, importWeights } from '../../src/engine/train/weights';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run an npm script quietly (--silent keeps npm's own banner and error lines out of the output). */
function npm(script: string, args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', script, '--', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tiny = ['--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--micro-batch', '4', '--steps', '2', '--eval-every', '2', '--eval-windows', '2', '--warmup', '1', '--quiet'];
// About 400 characters: enough training windows of 17 for one batch of 4, and validation windows.
const lines = Array.from({ length: 24 }, (_, i) => `line ${i % 7} of the text`);

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Train on `data`: the weights file, their vocabulary and the training loss of each step. */
function train(data: string, out: string) {
  const t = npm('train', ['--data', data, ...tiny, '--out', join(dir, out)]);
  expect(t.stderr).toBe('');
  expect(t.code).toBe(0);
  const weights = join(dir, out, 'final.safetensors');
  const losses = readFileSync(join(dir, out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss as number);
  expect(losses).toHaveLength(2);
  return { weights, vocab: importWeights(readFileSync(weights)).tokenizer.chars, losses };
}

/** Train on `data`, evaluate the weights on it; the weights' vocabulary and the eval loss. */
function trainEval(data: string, out: string) {
  const { weights, vocab } = train(data, out);
  const e = npm('eval', ['--weights', weights, '--data', data]);
  expect(e.code).toBe(0);
  const loss = JSON.parse(e.stdout).loss as number;
  expect(loss).toBeGreaterThan(0);
  return { vocab, loss };
}

describe('text files in npm run train / eval', () => {
  it('U+FFFD written in the file and a leading byte-order mark are trained and evaluated as characters', () => {
    const data = file('fffd.txt', '\ufeff' + lines.map((l, i) => (i % 3 ? l : l + ' \ufffd')).join('\n') + '\n');
    const { vocab } = trainEval(data, 'fffd');
    expect(vocab).toContain('\ufffd');
    expect(vocab).toContain('\ufeff');
  });

  it('refuses a file with an invalid byte sequence in one line naming the byte offset, in train and eval', () => {
    const good = lines.join('\n') + '\n';
    const at = Buffer.byteLength(good.slice(0, 100)); // ASCII: byte 100
    const bad = file('latin1.txt', Buffer.concat([Buffer.from(good.slice(0, 100)), Buffer.from([0xe9]), Buffer.from(good.slice(100))]));
    const t = npm('train', ['--data', bad, ...tiny]);
    expect(t.code).toBe(2);
    expect(t.stderr.trim().split('\n')).toEqual([`npm run train: --data: ${bad} is not UTF-8 text: invalid byte sequence at byte ${at}`]);
    // any valid weights do: eval reads them before the data
    const cfg = { vocabSize: 3, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 };
    const weights = file('w.safetensors', exportWeights(cfg, new Float32Array(numParams(cfg)), CharTokenizer.fromText('abc')));
    const e = npm('eval', ['--weights', weights, '--data', bad]);
    expect(e.code).toBe(2);
    expect(e.stderr.trim().split('\n')).toEqual([`npm run eval: --data: ${bad} is not UTF-8 text: invalid byte sequence at byte ${at}`]);
  });

  it('trains LF, CRLF and CR-only files as the texts they are: \\r is a character', () => {
    const lf = train(file('lf.txt', lines.join('\n') + '\n'), 'lf');
    const crlf = train(file('crlf.txt', lines.join('\r\n') + '\r\n'), 'crlf');
    const cr = train(file('cr.txt', lines.join('\r') + '\r'), 'cr');
    expect(lf.vocab.slice(0, 2)).toEqual(['\n', ' ']);
    expect(crlf.vocab.slice(0, 3)).toEqual(['\n', '\r', ' ']);
    expect(cr.vocab.slice(0, 2)).toEqual(['\r', ' ']);
    // CR-only is LF with \r in \n's place, and both get id 0 here, so the token ids, and with them the
    // losses, are the same; CRLF has one more token per line and other losses.
    expect(cr.losses).toEqual(lf.losses);
    expect(crlf.losses[0]).not.toBeCloseTo(lf.losses[0], 3);
  });
});
