// The run settings schema: defaults, ranges, cross-field rules and their messages.
import { describe, expect, it } from 'vitest';
import { ConfigError, configKeys, defaultConfig, globalBatch, parseConfig, parseDecimal } from '../../src/engine/config';

const issues = (raw: unknown): string[] => {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
};

describe('RunConfig', () => {
  it('has a default for every key and round-trips through JSON', () => {
    const c = defaultConfig();
    expect(Object.keys(c).sort()).toEqual([...configKeys].sort());
    expect(parseConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    expect(c.version).toBe(1);
    expect(globalBatch({ devices: 4, microBatch: 2, accum: 2 })).toBe(16);
  });
  it('rejects out-of-range and unknown values with the key named', () => {
    expect(issues({ devices: 9 })).toEqual(['devices: must be an integer in [1, 8]']);
    expect(issues({ devices: 1.5 })).toEqual(['devices: must be an integer in [1, 8]']);
    expect(issues({ optimizer: 'adam' })).toEqual(['optimizer: must be one of adamw|sgd']);
    expect(issues({ lr: 'fast' })).toEqual(['lr: must be a number in [0, 10]']);
    expect(issues({ beta2: 1 })).toEqual(['beta2: must be a number in [0, 1)']);
    expect(issues({ zero: 2 })).toEqual(['zero: must be 0 or 1']);
    expect(issues({ lrr: 1 })).toEqual(['unknown setting(s): lrr']);
    expect(issues([])).toEqual(['config: must be a JSON object']);
    expect(issues({ version: 7 })).toEqual(['version: 7 is newer than this build understands (1)']);
  });
  it('checks fields against each other with specific messages', () => {
    expect(issues({ nEmbd: 66, nHead: 4 })).toEqual(['nEmbd: 66 is not divisible by nHead 4']);
    expect(issues({ lr: 1e-3, minLr: 1e-2 })).toEqual(['minLr: 0.01 is above lr 0.001']);
    expect(issues({ steps: 10, warmup: 20 })).toEqual(['warmup: 20 steps is longer than the run (10 steps)']);
    expect(issues({ devices: 2, slowDevice: '2:3' })).toEqual(['slowDevice: rank 2 does not exist with 2 device(s)']);
    expect(issues({ devices: 4, killDevice: '1@500', steps: 100 })).toEqual(['killDevice: step 500 is after the last step 100']);
    expect(issues({ slowDevice: 'fast' })[0]).toMatch(/^slowDevice: must be RANK:FACTOR/);
    // malformed or out-of-range parts name the setting, not its inner field
    for (const bad of ['1:2.5.3', '1:.', '1:0.5', '1:101']) expect(issues({ devices: 2, slowDevice: bad })).toEqual(['slowDevice: must be RANK:FACTOR, e.g. 1:2 (rank in [0, 7], factor in [1, 100])']);
    expect(parseConfig({ devices: 2, slowDevice: '1:1e2' }).slowDevice).toEqual({ rank: 1, factor: 100 });
    expect(issues({ devices: 1, zero: 1, linkBw: 1 })).toEqual(['devices: zero, linkBw need 2 or more devices (one device has no peers to talk to or wait for)']);
    expect(issues({ precision: 'fp16', nEmbd: 45, nHead: 5 })).toEqual(['nEmbd: 45 is odd; fp16 precision needs an even nEmbd (gradients are stored two per 32-bit word)']);
    expect(parseConfig({ nEmbd: 45, nHead: 5 }).nEmbd).toBe(45); // fp32 has no packed words
  });
  it('derives warmup and the cosine floor from steps and lr when they are not given', () => {
    expect(parseConfig({ steps: 5 }).warmup).toBe(5);
    expect(parseConfig({ steps: 500 }).warmup).toBe(20);
    expect(parseConfig({ lr: 1e-4 }).minLr).toBeCloseTo(1e-5, 15);
    expect(parseConfig({ lr: 1e-4, minLr: 0 }).minLr).toBe(0);
    // a constant schedule has no floor to check
    expect(parseConfig({ schedule: 'constant', lr: 1e-4, minLr: 1e-3 }).lr).toBe(1e-4);
  });
  it('parses RANK:FACTOR and RANK@STEP strings into objects', () => {
    const c = parseConfig({ devices: 4, slowDevice: '3:2.5', killDevice: '1@50' });
    expect(c.slowDevice).toEqual({ rank: 3, factor: 2.5 });
    expect(c.killDevice).toEqual({ rank: 1, step: 50 });
  });
});

describe('parseDecimal', () => {
  it('reads decimal numbers and nothing else', () => {
    expect(['12', ' -0.5 ', '3e-4', '.5', '+7', '1E3'].map(parseDecimal)).toEqual([12, -0.5, 3e-4, 0.5, 7, 1000]);
    for (const junk of ['', '0x10', '0b11', 'Infinity', '1,5', '2 3', 'fast', '1e']) expect(parseDecimal(junk)).toBeNaN();
  });
});
