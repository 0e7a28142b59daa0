// Failures as data. Anything that stops a run becomes one record {code, rank, step, message}: device
// workers send it across the worker boundary as it is (never as text to be matched back), the driver
// emits it in a `failed` event, the CLI maps its code to an exit status and the page to a message.
// rank = the device blamed (null when no device is: bad settings, data, memory); step = the 1-based
// optimizer step being attempted (0 before training).

import { AdapterLimitError } from './backend/webgpu/limit-error';
import { ConfigError } from './config';
import { DataError } from './data/dataset';
import { MemoryBudgetError } from './memory';

/**
 * DIVERGED: non-finite loss or gradients, or the fp16 loss scale collapsed. THREW: an unexpected
 * exception on a device. SILENT: a device stopped answering (collective or call timeout). ABORTED: a
 * device gave up because a peer failed (a relay, never the root cause when the cause is known). EXITED:
 * a device's worker exited or crashed. CONFIG / DATA / MEMORY / ADAPTER_LIMIT / BACKEND: the settings,
 * the data, the memory budget, the WebGPU adapter's limits, or the asked-for backend is unavailable.
 */
export type FailureCode =
  | 'DIVERGED' | 'THREW' | 'SILENT' | 'ABORTED' | 'EXITED'
  | 'CONFIG' | 'DATA' | 'MEMORY' | 'ADAPTER_LIMIT' | 'BACKEND';

export interface RunFailure {
  code: FailureCode;
  rank: number | null;
  step: number;
  message: string;
  /** For THREW: where it was thrown (an unexpected exception is a bug to report). */
  stack?: string;
  /** When it happened (epoch ms), where known better than when it was noticed: a worker killed on purpose. */
  at?: number;
}

/** Codes that are the user's to fix (the CLI exits 2 for them, never with a stack trace). */
export const USER_CODES: ReadonlySet<FailureCode> = new Set(['CONFIG', 'DATA', 'MEMORY', 'ADAPTER_LIMIT', 'BACKEND']);

/** A failure record thrown as an exception (inside one thread; across threads the record travels). */
export class RunError extends Error {
  constructor(readonly failure: RunFailure) {
    super(failure.message);
    this.name = 'RunError';
  }
}

/** Training diverged: a non-finite loss or gradient in fp32, or the fp16 loss scale collapsed. */
export class DivergenceError extends Error {
  constructor(readonly step: number, what: string) {
    super(`training diverged at step ${step}: ${what}; try a lower lr, clip 1, or fp32 precision`);
    this.name = 'DivergenceError';
  }
}

/** The asked-for backend cannot be created here (no WebGPU, no adapter granted). */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/** A collective could not complete: a peer aborted (`aborted`) or nothing arrived in time (`silent`).
 *  `culprit` is the rank to blame: the one that aborted, or the end of the wait-for chain. */
export class CollectiveError extends Error {
  override name = 'CollectiveError';
  constructor(readonly kind: 'aborted' | 'silent', readonly culprit: number, message: string) {
    super(message);
  }
}

/** The record for any thrown value, blamed on `rank` at `step` unless the error names its own culprit. */
export function failureOf(e: unknown, rank: number | null, step: number): RunFailure {
  if (e instanceof RunError) return e.failure;
  const message = e instanceof Error ? e.message : String(e);
  const f = (code: FailureCode, r = rank, s = step): RunFailure => ({ code, rank: r, step: s, message });
  if (e instanceof DivergenceError) return f('DIVERGED', rank, e.step);
  if (e instanceof CollectiveError) return f(e.kind === 'silent' ? 'SILENT' : 'ABORTED', e.culprit);
  if (e instanceof ConfigError) return f('CONFIG', null);
  if (e instanceof DataError) return f('DATA', null);
  if (e instanceof MemoryBudgetError) return f('MEMORY', null);
  if (e instanceof AdapterLimitError) return f('ADAPTER_LIMIT');
  if (e instanceof BackendUnavailableError) return f('BACKEND');
  return { ...f('THREW'), stack: e instanceof Error ? e.stack : undefined };
}

/** How much a record explains: a device's own failure beats a timeout, which beats a relayed abort. */
const weight = (c: FailureCode) => (c === 'ABORTED' ? 0 : c === 'SILENT' ? 1 : 2);

/** The root cause among several devices' failures (null when there are none). */
export function rootCause(failures: (RunFailure | null | undefined)[]): RunFailure | null {
  let best: RunFailure | null = null;
  for (const f of failures) if (f && (!best || weight(f.code) > weight(best.code))) best = f;
  return best;
}
