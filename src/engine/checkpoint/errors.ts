// The one error type of checkpoints: every failure to save, verify, find or load a checkpoint is a
// CheckpointError with a `code` (errors are data: callers branch on the code, never on the text).
// The safetensors codes keep their meaning here (a checkpoint file is a safetensors file).

import { SafetensorsError, type SafetensorsCode } from '../safetensors';

export type CheckpointCode =
  | SafetensorsCode
  /** a tensor's (or the manifest's) SHA-256 differs from the recorded one: bit flips, torn writes */
  | 'HASH'
  /** the training state is inconsistent: step, tokens, scaler, optimizer meta, EMA vs config, ... */
  | 'STATE'
  /** the optimizer shards do not tile [0, P) exactly (gaps, overlaps, out of range) */
  | 'SHARDS'
  /** a format version this build cannot read (newer, or older without a migration) */
  | 'VERSION'
  /** a safetensors file without checkpoint metadata (plain weights cannot resume training) */
  | 'FORMAT'
  /** the storage is full or would be: nothing was written, existing checkpoints are intact */
  | 'QUOTA'
  /** the storage failed (IndexedDB transaction aborted, file system error) */
  | 'IO'
  /** no checkpoint where one was asked for */
  | 'NOT_FOUND';

/** A checkpoint that cannot be written, found or trusted. */
export class CheckpointError extends Error {
  constructor(readonly code: CheckpointCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}

/** Throw a CheckpointError (an expression, for `cond || fail(...)` style checks). */
export const fail = (code: CheckpointCode, message: string): never => {
  throw new CheckpointError(code, message);
};

/** Run fn; a SafetensorsError from it becomes the CheckpointError of the same code. */
export function asCheckpointError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(e.code, e.message);
    throw e;
  }
}
