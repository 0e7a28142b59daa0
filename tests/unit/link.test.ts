// Share links, case by case: the text configToLink writes, and each kind of bad link with the problem or
// failure it gives. Random configs and random or mutated links are in link-props.test.ts.
import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig, RunConfigSchema, type RunConfig } from '../../src/engine/config';
import { configFromLink, configToLink, describeProblem, LINK_MAX_CHARS, LinkEncodeError, type LinkProblem, type LinkRead, type LinkResult } from '../../src/engine/link';

/** The read link; fails the test when the whole link failed. */
function read(link: string, versioning?: Parameters<typeof configFromLink>[1]): LinkRead {
  const r = configFromLink(link, versioning);
  if (!r.ok) throw new Error(`expected a read link, got ${r.error.code}: ${r.error.message}`);
  expect(RunConfigSchema.safeParse(r.cfg).success).toBe(true);
  return r;
}
const failure = (r: LinkResult) => (r.ok ? null : r.error);
const encodeError = (f: () => unknown): LinkEncodeError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LinkEncodeError);
    return e as LinkEncodeError;
  }
  throw new Error('expected a LinkEncodeError');
};

describe('configToLink', () => {
  it('writes v first, then only non-default settings in schema order, readable', () => {
    expect(configToLink(defaultConfig())).toBe('v=1');
    const c = parseConfig({ killDevice: '2@3', data: 'add3', eps: 1e-12, devices: 4, slowDevice: '1:2.5', lr: 3e-4, steps: 50, schedule: 'constant' });
    // warmup (20) and minLr (lr / 10) are derived, so not written
    expect(configToLink(c)).toBe('v=1&devices=4&steps=50&lr=0.0003&eps=1e-12&schedule=constant&data=add3&slowDevice=1:2.5&killDevice=2@3');
  });
  it('puts each hidden control at its setting place and the lesson last', () => {
    const c = parseConfig({ devices: 2, zero: 1 });
    expect(configToLink(c, { hide: ['zero', 'devices', 'zero'], lesson: 'ring-allreduce' })).toBe('v=1&devices=2&devices_hide=1&zero=1&zero_hide=1&lesson=ring-allreduce');
    expect(configToLink(defaultConfig(), { hide: ['lr'] })).toBe('v=1&lr_hide=1');
  });
  it('leaves out a derived default and writes one that reading would derive differently', () => {
    // warmup follows steps (min(20, steps)) and minLr follows lr (lr / 10) when they are not given
    expect(configToLink(parseConfig({ steps: 5 }))).toBe('v=1&steps=5');
    expect(configToLink(parseConfig({ steps: 5, warmup: 2 }))).toBe('v=1&steps=5&warmup=2');
    expect(configToLink(parseConfig({ lr: 1e-4 }))).toBe('v=1&lr=0.0001');
    // minLr equals its fixed default 2e-4 here, but reading lr=0.0001 alone would derive 1e-5
    const c = parseConfig({ schedule: 'constant', lr: 1e-4, minLr: 2e-4 });
    expect(configToLink(c)).toBe('v=1&lr=0.0001&minLr=0.0002&schedule=constant');
    expect(read(configToLink(c)).cfg).toEqual(c);
  });
  it('keeps the sign of a negative zero, so the round trip is exact', () => {
    const c = { ...defaultConfig(), weightDecay: -0 };
    expect(configToLink(c)).toBe('v=1&weightDecay=-0');
    expect(Object.is(read('v=1&weightDecay=-0').cfg.weightDecay, -0)).toBe(true);
  });
  it('refuses what no link can carry', () => {
    expect(encodeError(() => configToLink(parseConfig({ data: 'notes/my file.txt' }))).code).toBe('not-linkable');
    expect(encodeError(() => configToLink(defaultConfig(), { hide: ['version'] })).code).toBe('bad-extras');
    expect(encodeError(() => configToLink(defaultConfig(), { lesson: 'Ring Allreduce' })).code).toBe('bad-extras');
    const invalid: RunConfig = { ...defaultConfig(), steps: 10, warmup: 30 };
    expect(encodeError(() => configToLink(invalid)).message).toBe('warmup: 30 steps is longer than the run (10 steps)');
  });
});

describe('configFromLink: where the settings are', () => {
  it('takes a bare hash, one with #, and a whole address', () => {
    for (const link of ['v=1&devices=3', '#v=1&devices=3', 'http://127.0.0.1:5173/?x=1#v=1&devices=3']) {
      expect(read(link)).toMatchObject({ problems: [], given: ['devices'], cfg: { devices: 3 } });
    }
  });
  it('reads nothing, and reports nothing, from an empty hash or an address without one', () => {
    for (const link of ['', '#', 'https://example.org/ringlab/', '&&']) expect(read(link)).toEqual({ ok: true, cfg: defaultConfig(), hidden: new Set(), lesson: null, dataFile: null, given: [], problems: [] });
  });
  it('reads hidden controls and the lesson', () => {
    const r = read('v=1&devices_hide=1&lr_hide=0&lesson=ring-1');
    expect([...r.hidden]).toEqual(['devices']);
    expect(r.lesson).toBe('ring-1');
    expect(r.problems).toEqual([]);
  });
  it('reads percent-escapes and keeps + as +', () => {
    expect(read('v=1&lr=1e%2D3').cfg.lr).toBe(1e-3);
    expect(read('v=1&lr=1e+3').problems[0].message).toBe('must be a number in [0, 10], got 1e+3');
  });
});

describe('configFromLink: bad parts are problems, the config stays valid', () => {
  it.each([
    ['v=1&devices=99', { key: 'devices', message: 'must be an integer in [1, 8], got 99', usedInstead: 1 }],
    ['v=1&devices=2.5', { key: 'devices', message: 'must be an integer in [1, 8], got 2.5', usedInstead: 1 }],
    ['v=1&lr=fast', { key: 'lr', message: 'must be a number in [0, 10], got fast', usedInstead: 2e-3 }],
    ['v=1&lr=0x10', { key: 'lr', message: 'must be a number in [0, 10], got 0x10', usedInstead: 2e-3 }],
    ['v=1&beta2=1', { key: 'beta2', message: 'must be a number in [0, 1), got 1', usedInstead: 0.99 }],
    ['v=1&optimizer=adam', { key: 'optimizer', message: 'must be one of adamw|sgd, got adam', usedInstead: 'adamw' }],
    ['v=1&zero=2', { key: 'zero', message: 'must be 0 or 1, got 2', usedInstead: 0 }],
    ['v=1&devices=2&slowDevice=1:0.5', { key: 'slowDevice', message: 'must be RANK:FACTOR, e.g. 1:2 (rank in [0, 7], factor in [1, 100]), got 1:0.5', usedInstead: null }, { devices: 2 }],
    ['v=1&killDevice=one', { key: 'killDevice', message: 'must be RANK@STEP or RANK@STEP:allreduce, e.g. 1@50 (rank in [0, 7], step >= 1), got one', usedInstead: null }],
    ['v=1&data=/etc/passwd', { key: 'data', message: 'must be brown or a task (copy, reverse, add, add1 .. add9) in a link, got "/etc/passwd"', usedInstead: 'brown' }],
    ['v=1&devices', { key: 'devices', message: 'has no value (write devices=VALUE)', usedInstead: 1 }],
    ['v=1&devices=', { key: 'devices', message: 'must be an integer in [1, 8], got ""', usedInstead: 1 }],
    ['v=1&devices=2&devices=2', { key: 'devices', message: 'is given 2 times (a link names each key once)', usedInstead: 1 }],
    ['v=1&lrr=1', { key: 'lrr', message: 'is not a setting', usedInstead: null }],
    ['v=1&micro-batch=4', { key: 'micro-batch', message: 'is not a setting (did you mean microBatch?)', usedInstead: null }],
    ['v=1&version=1', { key: 'version', message: 'is not a link key (the version is written v=<version>)', usedInstead: null }],
    ['v=1&lrr_hide=1', { key: 'lrr_hide', message: 'hides no setting', usedInstead: null }],
    ['v=1&lr_hide=yes', { key: 'lr_hide', message: 'must be 1 (hide the control) or 0, got yes', usedInstead: 0 }],
    ['v=1&lesson=Ring%20one', { key: 'lesson', message: `must be a lesson id (a-z, 0-9 and '-', at most 64 characters), got "Ring one"`, usedInstead: null }],
    ['v=1&lesson=a&lesson=b', { key: 'lesson', message: 'is given 2 times (a link names each key once)', usedInstead: null }],
    ['v=1&de%ZZvices=2', { key: 'de%ZZvices', message: 'is not valid percent-encoding', usedInstead: null }],
    ['v=1&lr=%E0%A4%A', { key: 'lr', message: 'has a value that is not valid percent-encoding: "%E0%A4%A"', usedInstead: 2e-3 }],
    ['devices=2', { key: 'v', message: 'is missing', usedInstead: 1 }, { devices: 2 }],
    ['v=1&dataFile=runs/a.txt', { key: 'dataFile', message: `must be a file name (no '/', '\\' or control characters, at most 100 characters), got "runs/a.txt"`, usedInstead: null }],
    ['v=1&dataFile=..', { key: 'dataFile', message: `must be a file name (no '/', '\\' or control characters, at most 100 characters), got ..`, usedInstead: null }],
    ['v=1&dataFile', { key: 'dataFile', message: `must be a file name (no '/', '\\' or control characters, at most 100 characters), got no value`, usedInstead: null }],
  ] as [string, LinkProblem, Record<string, unknown>?][])('%s', (link, problem, settings) => {
    const r = read(link);
    expect(r.problems).toEqual([problem]);
    expect(r.cfg).toEqual(parseConfig(settings ?? {})); // the bad part changed nothing else
  });
  it('cuts a long unknown key in its problem', () => {
    expect(read(`v=1&${'k'.repeat(100)}=1`).problems[0].key).toBe(`${'k'.repeat(40)}…`);
  });
  it('keeps the good settings beside the bad ones', () => {
    const r = read('v=1&devices=4&lr=fast&steps=10');
    expect(r.given).toEqual(['devices', 'steps']);
    expect(r.cfg).toEqual(parseConfig({ devices: 4, steps: 10 }));
    expect(r.problems.map((p) => p.key)).toEqual(['lr']);
  });
  it('drops a setting that breaks a cross-field rule back to its default, naming the rule', () => {
    const one = (link: string) => read(link).problems;
    expect(one('v=1&nHead=4&nEmbd=30')).toEqual([{ key: 'nEmbd', message: '30 is not divisible by nHead 4', usedInstead: 64 }]);
    // the rule names nEmbd, but only nHead was set: nHead goes
    expect(one('v=1&nHead=5')).toEqual([{ key: 'nHead', message: 'conflicts with nEmbd: 64 is not divisible by nHead 5', usedInstead: 4 }]);
    // the default warmup follows steps again once the bad warmup is dropped
    expect(one('v=1&steps=10&warmup=30')).toEqual([{ key: 'warmup', message: '30 steps is longer than the run (10 steps)', usedInstead: 10 }]);
    expect(one('v=1&lr=0.0001&minLr=0.001')).toEqual([{ key: 'minLr', message: '0.001 is above lr 0.0001', usedInstead: 1e-5 }]);
    expect(one('v=1&devices=2&slowDevice=3:2')).toEqual([{ key: 'slowDevice', message: 'rank 3 does not exist with 2 device(s)', usedInstead: null }]);
    expect(one('v=1&devices=4&steps=100&killDevice=1@500')).toEqual([{ key: 'killDevice', message: 'step 500 is after the last step 100', usedInstead: null }]);
    // devices=1 is kept: dropping it would not help; the settings that need peers go, one at a time
    const peers = read('v=1&devices=1&zero=1&linkBw=2');
    expect(peers.problems.map((p) => p.key)).toEqual(['linkBw', 'zero']);
    expect(peers.problems[1].message).toBe('conflicts with devices: zero need 2 or more devices (one device has no peers to talk to or wait for)');
    expect(peers.given).toEqual(['devices']);
  });
  it('describes a problem in one line', () => {
    const [devices, lrr, slow] = read('v=1&devices=99&lrr=1&slowDevice=x').problems;
    expect(describeProblem(devices)).toBe('devices: must be an integer in [1, 8], got 99; used 1 instead');
    expect(describeProblem(lrr)).toBe('lrr: is not a setting; ignored');
    expect(describeProblem(slow)).toMatch(/^slowDevice: must be RANK:FACTOR.*, got x; used none instead$/);
    expect(describeProblem(read('v=1&devices=2&slowDevice=1:2&slowDevice=1:3').problems[0])).toBe('slowDevice: is given 2 times (a link names each key once); used none instead');
  });
});

describe('own data: a link names the text, never carries it', () => {
  const own = parseConfig({ devices: 2, steps: 40, data: 'notes/my notes.txt' });
  it('writes the file\'s base name as dataFile at data\'s place, and reads it back with data at its default', () => {
    const link = configToLink(own, { ownData: true, hide: ['data'], lesson: 'ring' });
    expect(link).toBe('v=1&devices=2&steps=40&dataFile=my%20notes.txt&data_hide=1&lesson=ring');
    const r = read(link);
    expect(r.dataFile).toBe('my notes.txt');
    expect(r.problems).toEqual([]);
    expect(r.cfg).toEqual({ ...own, data: 'brown' }); // the text is not in the link: the receiver supplies it
    expect(r.given).toEqual(['devices', 'steps']);
  });
  it('refuses ownData for brown or a task, and a file name no link can carry', () => {
    expect(encodeError(() => configToLink(defaultConfig(), { ownData: true })).code).toBe('bad-extras');
    expect(encodeError(() => configToLink(parseConfig({ data: `${'x'.repeat(101)}.txt` }), { ownData: true })).code).toBe('bad-extras');
  });
  it('drops data=... next to dataFile, naming the conflict', () => {
    const r = read('v=1&data=add3&dataFile=a.txt');
    expect(r.dataFile).toBe('a.txt');
    expect(r.problems).toEqual([{ key: 'data', message: 'conflicts with dataFile=a.txt (a link names one data set)', usedInstead: 'brown' }]);
    expect(r.given).toEqual([]);
  });
});

describe('configFromLink: names from Object.prototype change nothing', () => {
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype'])('%s', (name) => {
    const link = `v=1&${name}=1&${name}_hide=1&${encodeURIComponent(`${name}[polluted]`)}=1&${name}.polluted=1`;
    const r = read(link);
    expect(r.cfg).toEqual(defaultConfig());
    expect(r.hidden.size).toBe(0);
    expect(r.given).toEqual([]);
    expect(r.problems.map((p) => p.key)).toEqual([name, `${name}_hide`, `${name}[polluted]`, `${name}.polluted`]);
    expect(Object.keys(r.cfg).sort()).toEqual(Object.keys(defaultConfig()).sort());
    expect(Object.getPrototypeOf(r.cfg)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(Object.prototype.toString.call([])).toBe('[object Array]');
  });
});

describe('configFromLink: links that cannot be salvaged', () => {
  it('refuses a link longer than the limit, and reads one at the limit', () => {
    const at = `v=1&devices=2${'&'.repeat(LINK_MAX_CHARS - 13)}`;
    expect(at).toHaveLength(LINK_MAX_CHARS);
    expect(read(at).cfg.devices).toBe(2);
    expect(failure(configFromLink(`${at}&`))).toEqual({ code: 'too-long', message: `the link's settings have 4097 characters, more than the 4096 a link may have` });
    // the limit is on the settings after '#', not on the address before them
    expect(read(`https://example.org/${'p'.repeat(5000)}#v=1`).problems).toEqual([]);
  });
  it.each([
    ['v=2&devices=2', 'newer-version', 'the link is for settings version 2; this build reads versions up to 1'],
    ['v=99999999999999999999', 'newer-version', 'the link is for settings version 99999999999999999999; this build reads versions up to 1'],
    ['v=0', 'bad-version', 'v must be a settings version (a whole number from 1), got 0'],
    ['v=01', 'bad-version', 'v must be a settings version (a whole number from 1), got 01'],
    ['v=one', 'bad-version', 'v must be a settings version (a whole number from 1), got one'],
    ['v', 'bad-version', 'v must be a settings version (a whole number from 1), got ""'],
    ['v=1&devices=2&v=1', 'bad-version', 'v is given 2 times'],
    ['v=%ZZ&devices=2', 'bad-version', 'v has a value that is not valid percent-encoding'],
  ])('%s', (link, code, message) => {
    expect(failure(configFromLink(link))).toEqual({ code, message });
  });
  it('refuses what is not text', () => {
    expect(failure(configFromLink(42 as unknown as string))?.code).toBe('not-text');
  });
});

describe('configFromLink: older versions go through the migration table', () => {
  // A pretend version 2 that renamed `dev` to `devices`, and version 3 with no step from 1 to 2.
  const v2 = { current: 2, migrations: { 1: (pairs: readonly (readonly [string, string | null])[]) => pairs.map(([k, v]) => [k === 'dev' ? 'devices' : k, v] as const) } };
  it('upgrades an older link one version at a time', () => {
    expect(read('v=1&dev=3', v2).cfg.devices).toBe(3);
    expect(read('v=2&devices=3', v2).cfg.devices).toBe(3);
    expect(read('v=2&dev=3', v2).problems[0]).toMatchObject({ key: 'dev', message: 'is not a setting' });
  });
  it('refuses a version with no way up', () => {
    expect(failure(configFromLink('v=1&dev=3', { current: 3, migrations: { 2: (p) => p } }))).toEqual({ code: 'no-migration', message: 'the link is for settings version 1, which this build no longer reads (no upgrade from 1 to 2)' });
    expect(failure(configFromLink('v=3', v2))?.code).toBe('newer-version');
  });
});
