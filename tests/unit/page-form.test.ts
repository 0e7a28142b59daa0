// The page's settings: every setting of `npm run train` is on the page (or deliberately not), every
// message lands next to a field the page shows, the settings survive a reload in a versioned record,
// and a config too big for the memory budget is refused with the estimate before it starts.
import { describe, expect, it } from 'vitest';
import { configKeys, parseConfig } from '../../src/engine/config';
import { estimateMemory } from '../../src/engine/memory';
import { memoryBudget, memoryVerdict } from '../../src/state/budget';
import { FIELD_KEYS, FIELDS } from '../../src/state/formFields';
import { loadForm, saveForm, SETTINGS_KEY, type KeyValueStorage } from '../../src/state/formPersist';
import { createFormStore } from '../../src/state/formStore';
import { batchSummary, DEFAULT_FORM, validateForm, type FormValues } from '../../src/state/trainForm';

const form = (patch: Partial<FormValues>): FormValues => ({ ...DEFAULT_FORM, ...patch });

/** localStorage's shape over a Map. */
function memoryStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, String(v)), removeItem: (k) => void map.delete(k) };
}

describe('settings on the page', () => {
  it('shows every setting of the schema but the version', () => {
    expect(configKeys.filter((k) => !FIELD_KEYS.includes(k as never)).sort()).toEqual(['version']);
    expect(new Set(FIELDS.map((f) => f.label)).size).toBe(FIELDS.length); // accessible names are unique
  });

  it('gives each field a message of its own for a bad value, never one for a setting the page does not show', () => {
    for (const f of FIELDS) {
      const bad = f.kind === 'choice' ? 'nonsense' : f.kind === 'text' ? 'x:y:z' : 'fast';
      const r = validateForm(form({ [f.key]: bad }));
      expect(r.ok, f.key).toBe(false);
      if (r.ok) continue;
      expect(Object.keys(r.errors), f.key).toEqual([f.key]);
    }
  });

  it('puts cross-field messages next to the fields on the page: min-lr above lr (at both), a slow device that does not exist', () => {
    expect(validateForm(form({ lr: '0.001', minLr: '0.01' }))).toEqual({ ok: false, errors: { minLr: '0.01 is above lr 0.001', lr: '0.01 is above lr 0.001' } });
    expect(validateForm(form({ devices: '2', slowDevice: '3:2' }))).toEqual({ ok: false, errors: { slowDevice: 'rank 3 does not exist with 2 device(s)' } });
    expect(validateForm(form({ devices: '1', zero: '1' }))).toMatchObject({ ok: false, errors: { devices: expect.stringContaining('zero') } });
  });

  it('derives min-lr and eval-every when left empty, as the CLI derives them, and reads the slow device', () => {
    const r = validateForm(form({ lr: '0.002', steps: '40', warmup: '5', slowDevice: '1:2.5' }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.cfg.minLr).toBeCloseTo(2e-4, 12);
    expect(r.cfg.evalEvery).toBe(4);
    expect(r.cfg.slowDevice).toEqual({ rank: 1, factor: 2.5 });
    expect(validateForm(form({ minLr: '0', evalEvery: '7' }))).toMatchObject({ ok: true, cfg: { minLr: 0, evalEvery: 7 } });
  });

  it('uses the CLI defaults for everything the page does not choose itself', () => {
    const r = validateForm(DEFAULT_FORM);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const cli = parseConfig({});
    for (const k of ['optimizer', 'weightDecay', 'clip', 'beta1', 'beta2', 'eps', 'bucketMb', 'compress', 'zero', 'seed', 'timeout', 'recovery', 'maxRestarts'] as const) {
      expect(r.cfg[k], k).toEqual(cli[k]);
    }
  });

  it('writes the global batch as devices x micro-batch x accum', () => {
    expect(batchSummary(form({ devices: '2', microBatch: '8', accum: '4', blockSize: '32' }))).toEqual({ N: 2, B: 8, K: 4, G: 64, tokens: 2048 });
    expect(batchSummary(form({ accum: 'x' }))).toBeNull();
  });
});

describe('settings across reloads', () => {
  it('keeps only what differs from the defaults, and reads it back over the defaults', () => {
    const st = memoryStorage();
    saveForm(st, form({ devices: '2', lr: '0.001' }));
    expect(JSON.parse(st.map.get(SETTINGS_KEY)!)).toEqual({ version: 1, form: { devices: '2', lr: '0.001' } });
    expect(loadForm(st)).toEqual(form({ devices: '2', lr: '0.001' }));
    saveForm(st, DEFAULT_FORM);
    expect(st.map.has(SETTINGS_KEY)).toBe(false);
  });

  it('falls back to the defaults for junk, a newer version or foreign keys, without throwing', () => {
    const st = memoryStorage();
    for (const raw of ['{', '[]', 'null', '{"version":99,"form":{"devices":"2"}}', '{"form":{"devices":"2"}}']) {
      st.map.set(SETTINGS_KEY, raw);
      expect(loadForm(st), raw).toEqual(DEFAULT_FORM);
    }
    st.map.set(SETTINGS_KEY, JSON.stringify({ version: 1, form: { devices: 3, kill_device: '1@2', __proto__x: 'y', steps: '12' } }));
    expect(loadForm(st)).toEqual(form({ steps: '12' }));
    expect(loadForm(null)).toEqual(DEFAULT_FORM);
  });

  it('a form store reloads what the previous one saved', () => {
    const st = memoryStorage();
    const a = createFormStore(st);
    a.getState().setFields({ devices: '2', accum: '4' });
    a.getState().setField('precision', 'fp16');
    const b = createFormStore(st);
    expect(b.getState().form).toEqual(form({ devices: '2', accum: '4', precision: 'fp16' }));
    expect(b.getState().cfg).toMatchObject({ devices: 2, accum: 4, precision: 'fp16' });
    b.getState().reset();
    expect(createFormStore(st).getState().form).toEqual(DEFAULT_FORM);
  });
});

describe('memory before the run', () => {
  it('refuses a model over the budget with the estimate, and passes the default', () => {
    const small = parseConfig({ devices: 4 });
    expect(memoryVerdict(small, 83, memoryBudget(4, 8))).toMatchObject({ fits: true, message: null });
    const big = parseConfig({ devices: 1, nLayer: 24, nEmbd: 1024, nHead: 16, blockSize: 1024, microBatch: 64 });
    const v = memoryVerdict(big, 83, memoryBudget(1, 8));
    expect(v.fits).toBe(false);
    expect(v.estimate).toEqual(estimateMemory(big, 83));
    expect(v.message).toMatch(/^this model needs about [\d.]+ GB per device \(weights .* but the budget is 4\.0 GB/);
    expect(memoryBudget(4, undefined)).toBe(2 ** 30 / 2); // 4 GB assumed where the browser does not say
  });
});
