// Failures as data: every error kind maps to its code (so the CLI's exit status and the page's message
// follow from the code, never from the text), and the root cause beats relays and timeouts.
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/engine/backend/create';
import { AdapterLimitError } from '../../src/engine/backend/webgpu/limit-error';
import { ConfigError } from '../../src/engine/config';
import { DataError } from '../../src/engine/data/dataset';
import { CollectiveError, DivergenceError, failureOf, rootCause, RunError, type RunFailure } from '../../src/engine/errors';
import { MemoryBudgetError, estimateMemory } from '../../src/engine/memory';
import { parseConfig } from '../../src/engine/config';

describe('failureOf', () => {
  it('maps each error class to its code, keeping the culprit a collective names', async () => {
    const est = estimateMemory(parseConfig({}), 65);
    const backend = await createBackend('webgpu', { gpu: null }).then(() => null, (e) => e);
    const cases: [unknown, Partial<RunFailure>][] = [
      [new DivergenceError(7, 'the loss is not finite'), { code: 'DIVERGED', rank: 2, step: 7 }],
      [new CollectiveError('silent', 3, 'rank 3 is not answering'), { code: 'SILENT', rank: 3, step: 5 }],
      [new CollectiveError('aborted', 0, 'rank 0 aborted'), { code: 'ABORTED', rank: 0 }],
      [new ConfigError(['lr: bad']), { code: 'CONFIG', rank: null }],
      [new DataError('too short'), { code: 'DATA', rank: null }],
      [new MemoryBudgetError(est, 10), { code: 'MEMORY', rank: null }],
      [new AdapterLimitError('head size 160'), { code: 'ADAPTER_LIMIT', rank: 2 }],
      [backend, { code: 'BACKEND', rank: 2 }],
      [new TypeError('x is undefined'), { code: 'THREW', rank: 2, step: 5 }],
      [new RunError({ code: 'EXITED', rank: 1, step: 4, message: 'gone' }), { code: 'EXITED', rank: 1, step: 4 }],
    ];
    for (const [e, want] of cases) expect(failureOf(e, 2, 5), String(e)).toMatchObject(want);
    expect(failureOf(new TypeError('x'), null, 1).stack).toMatch(/TypeError/);
  });
});

describe('rootCause', () => {
  const f = (code: RunFailure['code'], rank: number): RunFailure => ({ code, rank, step: 1, message: code });
  it('prefers a device’s own failure, then a timeout, then a relayed abort', () => {
    expect(rootCause([f('ABORTED', 0), f('THREW', 1), f('SILENT', 2)])).toMatchObject({ code: 'THREW', rank: 1 });
    expect(rootCause([f('ABORTED', 0), null, f('SILENT', 2)])).toMatchObject({ code: 'SILENT', rank: 2 });
    expect(rootCause([f('ABORTED', 1), undefined])).toMatchObject({ code: 'ABORTED', rank: 1 });
    expect(rootCause([null, undefined])).toBeNull();
  });
});
