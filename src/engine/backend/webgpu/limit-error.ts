// A shape that this adapter (or these kernels) cannot run. Raised before any work is queued, never
// silently truncated; the CLI reports it as a one-line user error (use a smaller model or the CPU).

export class AdapterLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterLimitError';
  }
}
