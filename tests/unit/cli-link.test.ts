// `npm run train -- --config LINK` end to end: a share link's settings are the run's, flags override
// them, and a link with any problem is refused with one line naming each bad key and exit code 2 (a
// headless run must not quietly train on defaults put in place of what the link said).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli, UserError } from '../../src/cli/args';
import { parseConfig } from '../../src/engine/config';
import { importWeights } from '../../src/engine/train/weights';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-cli-link-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function train(args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'train', '--', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stderr: r.stderr };
}
const metrics = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

const tiny = 'data=add2&nLayer=1&nHead=2&nEmbd=16&blockSize=16&evalEvery=0&evalWindows=4';

describe('npm run train -- --config LINK', () => {
  it('trains with the link settings: 2 devices, 3 steps, micro-batch 2', () => {
    const out = join(dir, 'two');
    const r = train(['--config', `http://127.0.0.1:5173/#v=1&devices=2&steps=3&microBatch=2&${tiny}&devices_hide=1&lesson=ring`, '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = metrics(out);
    expect(m.map((x) => x.step)).toEqual([1, 2, 3]);
    expect(m[0].samples.map((d: number[][]) => d.map((k) => k.length))).toEqual([[2], [2]]); // 2 devices x 1 micro-step x 2
    expect(importWeights(readFileSync(join(out, 'final.safetensors'))).cfg).toMatchObject({ nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16 });
  });
  it('refuses a link with problems in one line naming each bad key, exit 2', () => {
    const r = train(['--config', '#v=1&devices=99&lrr=1&steps=3', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('npm run train: --config: the link has 2 problems: devices: must be an integer in [1, 8], got 99; lrr: is not a setting\n');
  });
});

// The other refusals in-process (the exit code path is the one above): parseCli throws the UserError line.
describe('parseCli --config LINK', () => {
  const refusal = (link: string): string => {
    try {
      parseCli(['--config', link], {});
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return (e as Error).message;
    }
    throw new Error('expected a UserError');
  };
  it.each([
    ['a cross-field rule', '#v=1&nHead=5', '--config: the link has a problem: nHead: conflicts with nEmbd: 64 is not divisible by nHead 5'],
    ['no version', '#devices=2', '--config: the link has a problem: v: is missing'],
    ['a file as data', '#v=1&data=/etc/hostname', '--config: the link has a problem: data: must be brown or a task (copy, reverse, add, add1 .. add9) in a link, got "/etc/hostname"'],
    ['a hidden control that is not one', '#v=1&lrr_hide=1', '--config: the link has a problem: lrr_hide: hides no setting'],
    ['a newer version', '#v=2&devices=2', '--config: the link is for settings version 2; this build reads versions up to 1'],
    ['too long', `#v=1${'&'.repeat(5000)}`, "--config: the link's settings have 5003 characters, more than the 4096 a link may have"],
  ])('refuses %s', (_, link, message) => {
    expect(refusal(link)).toBe(message);
  });
  it('a link made with the sender\'s own text runs only with --data FILE', () => {
    const link = '#v=1&steps=10&dataFile=notes.txt';
    expect(() => parseCli(['--config', link], {})).toThrow(new UserError('--config: the link trains on the sender\'s own text "notes.txt", which a link does not carry; give that text with --data FILE'));
    expect(parseCli(['--config', link, '--data', 'add3'], {}).config).toEqual(parseConfig({ steps: 10, data: 'add3' }));
  });
  it('takes only the settings the link names, so flags and derived defaults combine as with a file', () => {
    const { config } = parseCli(['--config', '#v=1&lr=0.01&steps=10&devices_hide=1&lesson=ring', '--steps', '100'], {});
    expect(config).toEqual(parseConfig({ lr: 0.01, steps: 100 })); // warmup 20 and minLr 1e-3 derived again
  });
});
