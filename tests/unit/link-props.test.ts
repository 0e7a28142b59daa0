// Share links, property by property over random input: a valid config reads back exactly from its link,
// and any text, random or a mutated valid link, reads to a valid config plus problems (or a typed
// failure of the whole link) without throwing. Random configs are drawn field by field within the
// schema's ranges, each field often left out (so defaults and derived defaults are covered), and then
// repaired to satisfy the cross-field rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configKeys, parseConfig, RunConfigSchema, type ConfigKey, type RunConfig } from '../../src/engine/config';
import { configFromLink, configToLink, type LinkResult } from '../../src/engine/link';

const DEFAULTS = parseConfig({});
const real = (min: number, max: number, maxExcluded = false) => fc.double({ min, max, maxExcluded, noNaN: true });
const int = (min: number, max: number) => fc.integer({ min, max });
// Round decimals as people type them, next to arbitrary doubles (shortest forms of 17 digits, subnormals).
const typed = (min: number, max: number) => fc.constantFrom(min, 1e-4, 2e-4, 3e-4, 2e-3, 3e-3, 0.1, 0.5, 2.5).filter((x) => x >= min && x < max);

const fieldArbs = {
  devices: int(1, 8),
  microBatch: int(1, 512),
  accum: int(1, 256),
  steps: fc.oneof(int(1, 30), int(1, 1_000_000)),
  seed: int(0, 2 ** 32 - 1),
  optimizer: fc.constantFrom('adamw', 'sgd'),
  lr: fc.oneof(real(0, 10), typed(0, 10)),
  minLr: fc.oneof(real(0, 10), typed(0, 10)),
  weightDecay: real(0, 10),
  momentum: real(0, 1, true),
  beta1: real(0, 1, true),
  beta2: fc.oneof(real(0, 1, true), typed(0, 1)),
  eps: real(1e-12, 1),
  clip: real(0, 1e6),
  schedule: fc.constantFrom('constant', 'cosine', 'cosine-restarts'),
  warmup: fc.oneof(int(0, 30), int(0, 1_000_000)),
  restartT0: int(1, 1_000_000),
  restartMult: int(1, 16),
  precision: fc.constantFrom('fp32', 'fp16'),
  lossScale: fc.oneof(real(1, 2 ** 40), typed(1, 2 ** 40)),
  nLayer: int(1, 48),
  nHead: int(1, 64),
  nEmbd: int(4, 2048),
  blockSize: int(2, 2048),
  data: fc.constantFrom('brown', 'copy', 'reverse', 'add', 'add1', 'add5', 'add9'),
  allreduce: fc.constantFrom('ring', 'naive', 'tree'),
  bucketMb: real(0.001, 1024),
  compress: fc.constantFrom('none', 'fp16'),
  zero: fc.constantFrom(0, 1),
  linkBw: real(0, 1000),
  linkLatency: real(0, 10_000),
  slowDevice: fc.record({ rank: int(0, 7), factor: fc.oneof(real(1, 100), typed(1, 100)) }),
  backend: fc.constantFrom('cpu', 'webgpu', 'auto'),
  checkpointEvery: int(0, 1_000_000),
  keep: int(1, 1000),
  evalEvery: int(0, 1_000_000),
  evalWindows: int(1, 4096),
  emaDecay: real(0, 1, true),
  killDevice: fc.record({ rank: int(0, 7), step: int(1, 1_000_000), phase: fc.constantFrom('allreduce' as const) }, { requiredKeys: ['rank', 'step'] }),
  recovery: fc.constantFrom('restart', 'elastic'),
  maxRestarts: int(0, 100),
  timeout: fc.oneof(real(0.1, 3600), typed(0.1, 3600)),
} satisfies Record<Exclude<ConfigKey, 'version'>, fc.Arbitrary<unknown>>;

/** Some settings within their own ranges, then changed as little as needed to pass the cross-field rules. */
function repair(raw: Record<string, unknown>): RunConfig {
  const r = { ...raw } as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const eff = (k: ConfigKey) => r[k] ?? DEFAULTS[k];
  const nHead = eff('nHead'), nEmbd = eff('nEmbd');
  if (nEmbd % nHead !== 0) r.nEmbd = nHead * Math.max(Math.ceil(4 / nHead), Math.floor(nEmbd / nHead)); // in [4, 2048]
  // fp16 needs an even nEmbd; an odd one has an odd nHead, so one nHead more or less is even, divisible, in range
  const e = eff('nEmbd');
  if (eff('precision') === 'fp16' && e % 2) r.nEmbd = e - nHead >= 4 ? e - nHead : e + nHead;
  if (r.warmup !== undefined) r.warmup = Math.min(r.warmup, eff('steps'));
  if (r.minLr !== undefined && eff('schedule') !== 'constant' && r.minLr > eff('lr')) r.minLr = eff('lr');
  const devices = eff('devices');
  // one device: nothing that needs peers, and no elastic recovery
  if (devices === 1) for (const k of ['zero', 'compress', 'linkBw', 'linkLatency', 'slowDevice', 'recovery']) delete r[k];
  if (r.slowDevice) r.slowDevice = { ...r.slowDevice, rank: r.slowDevice.rank % devices };
  if (r.killDevice) r.killDevice = { ...r.killDevice, rank: r.killDevice.rank % devices, step: 1 + ((r.killDevice.step - 1) % eff('steps')) };
  if (devices === 1 && r.killDevice) delete r.killDevice.phase; // one device has no allreduce
  return parseConfig(r); // throws if the repair is wrong, which fails the property
}

// Each setting is left out, drawn, or given its fixed default explicitly: a default given next to
// settings it is derived from (minLr=2e-4 with lr=1e-4) is the case a link must still write.
const withDefaults = Object.fromEntries(Object.entries(fieldArbs).map(([k, a]) => [k, fc.oneof(a, fc.constant(DEFAULTS[k as ConfigKey]))]));
const configArb: fc.Arbitrary<RunConfig> = fc.record(withDefaults, { requiredKeys: [] }).map((raw) => repair(raw));
const hideArb = fc.subarray(configKeys.filter((k) => k !== 'version'));
const lessonArb = fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,63}$/), { nil: undefined });

/** What every result must be: a valid config with well-formed problems, or a typed failure. */
function wellFormed(r: LinkResult): void {
  if (!r.ok) {
    expect(['not-text', 'too-long', 'bad-version', 'newer-version', 'no-migration']).toContain(r.error.code);
    expect(r.error.message.length).toBeGreaterThan(0);
    return;
  }
  expect(RunConfigSchema.safeParse(r.cfg).success).toBe(true);
  for (const p of r.problems) {
    expect(typeof p.key).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
    if (Object.hasOwn(r.cfg, p.key) && p.key !== 'version') expect(p.usedInstead).toEqual(r.cfg[p.key as ConfigKey]);
  }
  // what the CLI relies on: the settings the link set give the config back, defaults derived as usual
  expect(parseConfig(Object.fromEntries(r.given.map((k) => [k, r.cfg[k]])))).toEqual(r.cfg);
}

const runs = { numRuns: 200 };
const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();

describe('share links: round trip', () => {
  it('reads back exactly the config, hidden controls and lesson it was made from', () => {
    fc.assert(fc.property(configArb, hideArb, lessonArb, (c, hide, lesson) => {
      const link = configToLink(c, { hide, lesson });
      for (const text of [link, `#${link}`, `https://example.org/lab/?q=1#${link}`]) {
        const r = configFromLink(text);
        expect(r).toEqual({ ok: true, cfg: c, hidden: new Set(hide), lesson: lesson ?? null, dataFile: null, given: expect.any(Array), problems: [] });
      }
    }), runs);
  });
  it('writes v first and the rest in schema order, each key once, and nothing that reading would give anyway', () => {
    const order = ['v', ...configKeys.filter((k) => k !== 'version').flatMap((k) => [k, `${k}_hide`]), 'lesson'];
    fc.assert(fc.property(configArb, hideArb, lessonArb, (c, hide, lesson) => {
      const pairs = configToLink(c, { hide, lesson }).split('&');
      const keys = pairs.map((p) => p.split('=')[0]);
      expect(keys[0]).toBe('v');
      expect([...keys].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(keys);
      expect(new Set(keys).size).toBe(keys.length);
      // every setting written is needed: leaving it out reads as another config
      for (let i = 1; i < pairs.length; i++) {
        if (/_hide=|^lesson=/.test(pairs[i])) continue;
        const r = configFromLink(pairs.filter((_, j) => j !== i).join('&'));
        expect(r.ok && r.cfg).not.toEqual(c);
      }
    }), { numRuns: 100 });
  });
  it('is deterministic: equal configs give equal links', () => {
    fc.assert(fc.property(configArb, (c) => {
      expect(configToLink(structuredClone(c))).toBe(configToLink(c));
    }), runs);
  });
});

// Pieces that links are made of, so random links often hit real keys, values and edge cases.
const keyArb = fc.oneof(
  fc.constantFrom(...configKeys, 'v', 'lesson', 'dataFile', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'),
  fc.constantFrom(...configKeys).map((k) => `${k}_hide`),
  fc.string({ maxLength: 12 }),
);
const valueArb = fc.oneof(
  fc.constantFrom('1', '0', '2', '-1', '99', '1e-3', '3:2', '1@5', '0:1', 'adamw', 'constant', 'fp16', 'add3', '', 'NaN', 'Infinity', '%', '%E0%A4%A', '%2B'),
  fc.double().map(String),
  fc.integer().map(String),
  fc.string({ maxLength: 12 }),
);
const pairArb = fc.oneof(fc.tuple(keyArb, valueArb).map(([k, v]) => `${k}=${v}`), keyArb);
const linkishArb = fc.tuple(fc.constantFrom('', '#', 'v=1&', '#v=1&', 'v=2&', 'https://x.org/#v=1&'), fc.array(pairArb, { maxLength: 12 })).map(([head, ps]) => head + ps.join('&'));

describe('share links: any text', () => {
  it('random text reads to a valid config plus problems, or a typed failure, and never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), linkishArb), (text) => {
      wellFormed(configFromLink(text));
    }), { numRuns: 1000 });
  });
  it('a mutated valid link reads to a valid config plus problems, never throws', () => {
    const edit = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom('&', '=', '#', '%', '_hide', 'v=1', '__proto__=1'), fc.string({ maxLength: 4 })) }),
      fc.record({ op: fc.constant('repeat' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('value' as const), at: fc.nat(), text: valueArb }),
    );
    fc.assert(fc.property(configArb, hideArb, fc.array(edit, { minLength: 1, maxLength: 4 }), (c, hide, edits) => {
      let link = configToLink(c, { hide });
      for (const e of edits) {
        const pairs = link.split('&');
        const i = e.at % Math.max(1, pairs.length);
        if (e.op === 'delete') link = link.slice(0, e.at % (link.length + 1)) + link.slice((e.at % (link.length + 1)) + 1);
        else if (e.op === 'insert') link = link.slice(0, e.at % (link.length + 1)) + e.text + link.slice(e.at % (link.length + 1));
        else if (e.op === 'repeat') link = [...pairs, pairs[i]].join('&');
        else link = pairs.map((p, j) => (j === i ? `${p.split('=')[0]}=${e.text}` : p)).join('&');
      }
      wellFormed(configFromLink(link));
    }), { numRuns: 500 });
  });
  it('leaves Object.prototype as it was', () => {
    fc.assert(fc.property(linkishArb, (text) => {
      configFromLink(text);
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoNames);
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    }), { numRuns: 500 });
  });
});
