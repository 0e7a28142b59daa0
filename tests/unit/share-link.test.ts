// The page's side of share links: a link read into the form (every setting, the seed included, as the
// CLI would read the same link), hidden controls, a lesson under the link's own settings, and one visible
// line for every part not used as written; the form written back as a link that reads the same.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/engine/config';
import { configFromLink, LINK_MAX_CHARS } from '../../src/engine/link';
import { lessonById, LESSON_IDS } from '../../src/state/lessons';
import { pageLinkText, readPageLink } from '../../src/state/shareLink';
import { DEFAULT_FORM, formOfConfig, validateForm, type FormValues } from '../../src/state/trainForm';

const ctx = { lessonSettings: (id: string) => lessonById(id)?.settings ?? null, lessonIds: LESSON_IDS, fallback: 'the saved settings' };
const cfgOf = (form: FormValues | null) => {
  const v = validateForm(form!);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.cfg;
};

describe('a link read by the page', () => {
  it('gives the settings the CLI reads from the same link, seed included, with no notice', () => {
    const link = '#v=1&devices=2&microBatch=2&steps=7&seed=99&lr=0.01&nEmbd=16&nHead=2&blockSize=16&data=add2&backend=cpu&killDevice=1@3';
    const r = readPageLink(link, ctx);
    expect(r.notices).toEqual([]);
    const cli = configFromLink(link);
    if (!cli.ok) throw new Error('unreadable');
    expect(cfgOf(r.form)).toEqual(cli.cfg);
    expect(cfgOf(r.form).seed).toBe(99);
  });

  it('round-trips the page form through its link, hidden controls and lesson included', () => {
    const form: FormValues = { ...DEFAULT_FORM, devices: '2', seed: '5', slowDevice: '1:3', minLr: '', evalEvery: '' };
    const text = pageLinkText(cfgOf(form), ['lr', 'devices'], 'zero');
    expect(text).toMatch(/^v=1&devices=2&devices_hide=1&/);
    expect(text).toMatch(/&lr_hide=1/);
    expect(text).toMatch(/&lesson=zero$/);
    const back = readPageLink(text!, ctx);
    expect(back.hidden.sort()).toEqual(['devices', 'lr']);
    expect(back.lesson).toBe('zero');
    // the lesson's settings sit under the link's: the link names every setting it changed, so none differ
    expect(cfgOf(back.form)).toEqual(cfgOf(form));
  });

  it('names each bad key and what was used instead; never throws', () => {
    const r = readPageLink('#v=1&devices=99&lrr=1&steps=5&steps=6&nEmbd=abc&__proto__=1&constructor=2&microbatch=4', ctx);
    const n = r.notices.join('\n');
    expect(n).toContain('devices: must be an integer in [1, 8], got 99; used 1 instead');
    expect(n).toContain('lrr: is not a setting; ignored');
    expect(n).toContain('microbatch: is not a setting (did you mean microBatch?); ignored');
    expect(n).toContain('steps: is given 2 times');
    expect(n).toContain('nEmbd:');
    expect(n).toContain('__proto__: is not a setting; ignored');
    expect(n).toContain('constructor: is not a setting; ignored');
    expect(r.notices).toHaveLength(7);
    // __proto__ and constructor changed nothing: the rest is the CLI's defaults
    expect(cfgOf(r.form)).toEqual(parseConfig({}));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an over-long or newer link as a whole, with a message saying what is shown instead', () => {
    const long = readPageLink(`#v=1&${'devices=2&'.repeat(LINK_MAX_CHARS / 10 + 1)}`, ctx);
    expect(long.form).toBeNull();
    expect(long.notices).toEqual([expect.stringMatching(/^This link cannot be read: the link's settings have \d+ characters, more than the 4096 .*the page shows the saved settings\.$/)]);
    expect(readPageLink('#v=9&devices=2', ctx).notices[0]).toContain('settings version 9');
    expect(readPageLink('', ctx)).toEqual({ form: null, hidden: [], lesson: null, missingText: null, notices: [] });
  });

  it('opens a lesson with the link’s own settings over the lesson’s, checked together', () => {
    // killDevice=1@6 alone would break "rank < devices" with the default 1 device; the lesson has 4
    const r = readPageLink('#v=1&lesson=kill&steps=8&killDevice=1@6', ctx);
    expect(r.notices).toEqual([]);
    expect(r.lesson).toBe('kill');
    const c = cfgOf(r.form);
    expect([c.devices, c.steps, c.killDevice]).toEqual([4, 8, { rank: 1, step: 6 }]);
    const bad = readPageLink('#v=1&lesson=nope&devices=2', ctx);
    expect(bad.lesson).toBeNull();
    expect(bad.notices).toEqual([expect.stringContaining('lesson: there is no lesson "nope" (the lessons are global-batch, ring,')]);
    expect(cfgOf(bad.form).devices).toBe(2);
    // a clash between the link and the lesson drops a setting, named with the rule it broke
    const clash = readPageLink('#v=1&lesson=kill&devices=1', ctx);
    expect(clash.notices).toEqual(['killDevice: rank 1 does not exist with 1 device(s); used none instead']);
    expect(cfgOf(clash.form).killDevice).toBeNull();
  });

  it('says when a link needs the sender’s own text, and trains on the default data meanwhile', () => {
    const r = readPageLink('#v=1&dataFile=notes.txt&steps=5', ctx);
    expect(r.missingText).toBe('notes.txt');
    expect(r.notices).toEqual(['dataFile: this link trains on the sender\'s own text "notes.txt", which a link does not carry; used brown instead']);
  });

  it('leaves min-lr and eval-every empty in the form where the page derives the same values', () => {
    const f = formOfConfig(parseConfig({ lr: 0.01, steps: 50, evalEvery: 5 }));
    expect([f.minLr, f.evalEvery]).toEqual(['', '']);
    const g = formOfConfig(parseConfig({ lr: 0.01, minLr: 0.002, steps: 50, evalEvery: 7 }));
    expect([g.minLr, g.evalEvery]).toEqual(['0.002', '7']);
  });
});
