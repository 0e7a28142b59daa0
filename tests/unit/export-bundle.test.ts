// The nanoGPT bundle as files: every file is there and parses, the .bin files decode back to the run's
// token streams, the checkpoint is the given file (or the state's own file), the converter is the
// committed script; runs and data that cannot be continued in nanoGPT are refused with a code; and the
// tar of a bundle unpacks with the system's tar to the same bytes.
// Legend: P = parameters of the tiny model of checkpoint-helpers.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCheckpoint, hashTokens, importCheckpoint, type TrainingState } from '../../src/engine/checkpoint';
import { makeDataset } from '../../src/engine/data/dataset';
import { bestValLoss, CONVERTER, ExportError, nanoGptBundle, readTokenBin, stateFromWeights, tarArchive, type Bundle } from '../../src/engine/export';
import { makeState, stateBits, tok } from './checkpoint-helpers';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'ringlab-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const text = 'abc defg\nhab cadge bad\nfeed a bag\n'.repeat(40);
const data = makeDataset('x.txt', text, 0.1, tok);

/** A valid state trained on `data` (its dataHash is the data's). */
async function stateOn(over: Parameters<typeof makeState>[0] = {}, o: Parameters<typeof makeState>[1] = {}): Promise<TrainingState> {
  return { ...makeState({ data: 'x.txt', ...over }, o), dataHash: await hashTokens(data.train) };
}

const file = (b: Bundle, path: string) => {
  const f = b.files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in the bundle`);
  return f.data;
};
const utf8 = (a: Uint8Array) => new TextDecoder().decode(a);

describe('nanoGptBundle', () => {
  it('holds every file, and the token files decode back to the run\'s streams', async () => {
    const state = await stateOn();
    const b = await nanoGptBundle({ state, train: data.train, val: data.val, source: 'a test' });
    expect(b.name).toBe('ringlab_x');
    expect(b.files.map((f) => f.path).sort()).toEqual([
      'README.md', 'bundle.json', 'checkpoint.safetensors', 'config/ringlab_x.py',
      'data/ringlab_x/train.bin', 'data/ringlab_x/val.bin', 'data/ringlab_x/vocab.json', 'to_nanogpt.py',
    ]);
    for (const [path, stream] of [['train.bin', data.train], ['val.bin', data.val]] as const) {
      const bytes = file(b, `data/ringlab_x/${path}`);
      expect(bytes.length).toBe(2 * stream.length);
      expect(readTokenBin(bytes)).toEqual(stream);
      // and as numpy reads it, independently: little-endian uint16, no header
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(dv.getUint16(0, true)).toBe(stream[0]);
      expect(dv.getUint16(bytes.length - 2, true)).toBe(stream[stream.length - 1]);
    }
    expect(tok.decode(readTokenBin(file(b, 'data/ringlab_x/train.bin'))) + tok.decode(readTokenBin(file(b, 'data/ringlab_x/val.bin')))).toBe(text);
    expect(JSON.parse(utf8(file(b, 'data/ringlab_x/vocab.json')))).toEqual(JSON.parse(state.vocab));
    expect(JSON.parse(utf8(file(b, 'bundle.json')))).toEqual({
      format: 'ringlab-nanogpt-bundle', version: 1, name: 'ringlab_x', config: 'config/ringlab_x.py', checkpoint: 'checkpoint.safetensors', best_val_loss: 1e9,
    });
    expect(utf8(file(b, 'to_nanogpt.py'))).toBe(readFileSync(join(root, 'scripts', 'to_nanogpt.py'), 'utf8'));
    const config = utf8(file(b, 'config/ringlab_x.py'));
    expect(config).toMatch(/^# nanoGPT config written by `npm run export` \(ringlab\) from a test: step 7 of 100\.$/m);
    expect(config).toMatch(/^dataset = 'ringlab_x' /m);
    const readme = utf8(file(b, 'README.md'));
    for (const cmd of Object.values(b.commands)) expect(readme).toContain(cmd);
    expect(b.commands.convert).toBe('python ringlab-export/to_nanogpt.py');
  });

  it('writes the given checkpoint file as it is, else the state\'s own checkpoint file', async () => {
    const state = await stateOn({}, { shards: 2 });
    const given = await exportCheckpoint(state);
    const a = await nanoGptBundle({ state, checkpoint: given, train: data.train, val: data.val });
    expect(file(a, 'checkpoint.safetensors')).toBe(given);
    const b = await nanoGptBundle({ state, train: data.train, val: data.val, name: 'other' });
    expect(stateBits(await importCheckpoint(file(b, 'checkpoint.safetensors')))).toEqual(stateBits(state));
    expect(b.files.some((f) => f.path === 'config/other.py')).toBe(true);
  });

  it('refuses other data, an SGD run and a bad name, each with its code', async () => {
    const code = async (p: Promise<unknown>) => p.then(() => 'none', (e) => (e instanceof ExportError ? e.code : `other: ${e}`));
    const state = await stateOn();
    const other = makeDataset('y.txt', text.replace('feed', 'deed'), 0.1, tok);
    expect(await code(nanoGptBundle({ state, train: other.train, val: other.val }))).toBe('DATA');
    expect(await code(nanoGptBundle({ state: await stateOn({ optimizer: 'sgd', lr: 0.1 }), train: data.train, val: data.val }))).toBe('OPTIMIZER');
    expect(await code(nanoGptBundle({ state, train: data.train, val: data.val, name: '../up' }))).toBe('NAME');
    expect(await code(nanoGptBundle({ state, train: data.train, val: data.val }))).toBe('none');
  });

  it('exports weights alone with a fresh AdamW and says so', async () => {
    const base = await stateOn();
    const state = stateFromWeights(base.config, tok, base.params, 40, base.dataHash);
    expect(state.optimizer.t).toBe(0);
    expect(state.optimizer.shards[0].slots.every((s) => s.every((x) => x === 0))).toBe(true);
    const b = await nanoGptBundle({ state, train: data.train, val: data.val });
    expect(b.notes[0]).toMatch(/AdamW starts afresh/);
    const back = await importCheckpoint(file(b, 'checkpoint.safetensors')); // a valid checkpoint at step 40
    expect(back.step).toBe(40);
    expect(back.params).toEqual(base.params);
    expect(utf8(file(b, 'README.md'))).toMatch(/weights only \(the source had no optimizer state\)/);
  });

  it('takes the lowest recorded validation loss as nanoGPT\'s best_val_loss', () => {
    expect(bestValLoss([{ step: 1, loss: 3 }, { step: 2, loss: 2, valLoss: 2.5 }, { step: 3, valLoss: 2.1 }, { valLoss: 2.7 }, null, 'x'])).toBe(2.1);
    expect(bestValLoss([{ step: 1, loss: 3 }])).toBe(1e9);
  });
});

describe('tarArchive', () => {
  it('unpacks with tar to the same files, long paths included', async () => {
    const b = await nanoGptBundle({ state: await stateOn(), train: data.train, val: data.val });
    const files = [...b.files, { path: `${'deep/'.repeat(30)}file.txt`, data: new TextEncoder().encode('long path\n') }];
    const tar = tarArchive(files, 'bundle', 1_700_000_000);
    expect(tar.length % 512).toBe(0);
    const r = spawnSync('tar', ['-xf', '-', '-C', tmp], { input: tar });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    for (const f of files) expect(new Uint8Array(readFileSync(join(tmp, 'bundle', f.path)))).toEqual(f.data);
    const list = spawnSync('tar', ['-tvf', '-'], { input: tar }).stdout.toString();
    expect(list).toMatch(/bundle\/config\/\n/); // directories are entries of their own
    expect(list).toMatch(/2023-11-1[45] /); // the given mtime
  });
  it('refuses a path ustar cannot hold', () => {
    expect(() => tarArchive([{ path: 'x'.repeat(101), data: new Uint8Array(1) }], 'b')).toThrow(/too long for ustar/);
  });
});

// the converter travels with every bundle; a stray edit that breaks its Python would show only by hand
it('the converter is the committed script, and reads what the bundle writes', () => {
  expect(CONVERTER).toContain("FORMAT, VERSION = 'ringlab-nanogpt-bundle', 1");
  for (const key of ["bundle['config']", "bundle['checkpoint']", "bundle['best_val_loss']", "config['out_dir']", "config['dataset']"]) expect(CONVERTER).toContain(key);
});
