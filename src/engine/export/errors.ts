// The one error type of exports to nanoGPT: a run that cannot be continued there, or data and names
// that would not make a working bundle. Errors are data: callers branch on `code`, never on the text.

export type ExportCode =
  /** nanoGPT's train.py trains with AdamW only */
  | 'OPTIMIZER'
  /** the data given is not the data the checkpoint was trained on, or does not fit uint16 / the vocabulary */
  | 'DATA'
  /** a bundle name that is not a plain file and Python-string name */
  | 'NAME';

/** A run, data or name that cannot become a nanoGPT bundle. */
export class ExportError extends Error {
  constructor(readonly code: ExportCode, message: string) {
    super(message);
    this.name = 'ExportError';
  }
}
