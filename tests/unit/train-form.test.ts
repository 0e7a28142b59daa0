// The Train panel's settings form (validated through the RunConfig schema, messages by field) and the
// fold of per-step metrics into what the page shows.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/engine/config';
import type { StepMetrics } from '../../src/engine/train/loop';
import { addStep, emptyRun } from '../../src/state/runMetrics';
import { DEFAULT_FORM, formToInput, validateForm, type FormValues } from '../../src/state/trainForm';

const form = (patch: Partial<FormValues>): FormValues => ({ ...DEFAULT_FORM, ...patch });

describe('train form', () => {
  it('turns the default form into a valid config with the page-fixed settings', () => {
    const r = validateForm(DEFAULT_FORM);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.cfg).toEqual(parseConfig(formToInput(DEFAULT_FORM)));
    expect(r.cfg).toMatchObject({ devices: 4, microBatch: 4, nEmbd: 64, data: 'brown', backend: 'cpu', evalEvery: 15 });
    expect(r.cfg.minLr).toBeCloseTo(3e-4, 12); // lr / 10 in binary floating point
  });

  it("places the schema's messages next to the fields they name", () => {
    const r = validateForm(form({ devices: '9', lr: 'fast', microBatch: '' }));
    expect(r).toEqual({ ok: false, errors: { devices: 'must be an integer in [1, 8]', lr: 'must be a number in [0, 10]', microBatch: 'must be an integer in [1, 512]' } });
    expect(validateForm(form({ nEmbd: '18', nHead: '4' }))).toEqual({ ok: false, errors: { nEmbd: '18 is not divisible by nHead 4' } });
    expect(validateForm(form({ steps: '5', warmup: '10' }))).toEqual({ ok: false, errors: { warmup: '10 steps is longer than the run (5 steps)' } });
    expect(validateForm(form({ devices: '2.5' }))).toMatchObject({ ok: false, errors: { devices: 'must be an integer in [1, 8]' } });
  });

  it('follows a small lr with the cosine floor instead of rejecting it', () => {
    const r = validateForm(form({ lr: '0.0001' }));
    expect(r.ok && r.cfg.minLr).toBeCloseTo(1e-5, 12);
  });
});

const step = (s: number, compute: number[], comm: number[], bytes: number[]): StepMetrics => ({
  step: s, loss: 3 - s / 10, lr: 1e-3, grad_norm: 1, loss_scale: 1, skipped: false, tokens: s * 64, tokens_per_s: 0, ms_step: 10,
  ms_compute: compute, ms_comm: comm, ms_idle: comm.map(() => 1), bytes_sent: bytes, samples: [], epoch: 0,
  ...(s === 2 ? { val_loss: 2.5 } : {}),
});

describe('run metrics', () => {
  it('keeps the loss columns and means per device without the warm-up step', () => {
    let r = emptyRun(4, 2);
    r = addStep(r, step(1, [100, 90], [50, 40], [10, 10]), 200); // warm-up step: slow
    expect(r.devices[0].compute).toBe(100); // alone, it is all there is
    r = addStep(r, step(2, [10, 12], [4, 6], [10, 10]), 230);
    r = addStep(r, step(3, [14, 16], [6, 8], [10, 10]), 260);
    expect(r.x).toEqual([1, 2, 3]);
    expect(r.loss).toEqual([2.9, 2.8, 2.7]);
    expect(r.val).toEqual([null, 2.5, null]);
    expect(r.devices.map((d) => [d.compute, d.comm, d.idle, d.bytesPerStep, d.bytesTotal])).toEqual([[12, 5, 1, 10, 30], [14, 7, 1, 10, 30]]);
    expect(r.tokensPerS).toBeCloseTo((3 * 64 * 1000) / 260, 9);
    expect(r.etaMs).toBeCloseTo((260 / 3) * 1, 9); // one step left at the mean step time so far
  });
});
