// A backend that counts what it is asked to hold and to read back, by what each buffer is for: every
// buffer's label starts with its kind (`grads`, `grads.f16`, `params`, `adamw.m`, `ema`, ...), so bytes are
// summed per kind as the backend's own allocations come and go, with the peak of each kind. This is
// what devices report as their memory (not a formula) and what `readback_bytes_per_step` counts.
// Wraps any Backend; costs one map update per alloc/free and one addition per read.
// Legend: bytes are f32 elements x 4.
import type { BackendName } from './adapter';
import type { Backend, Buffer, KernelArgs, KernelName, Slice } from './types';

/** What a buffer holds, from its label. */
export type MemoryKind = 'weights' | 'grads' | 'optimizer' | 'ema' | 'activations';

const kindOf = (label: string): MemoryKind => {
  const head = label.split('.')[0];
  if (head === 'params') return 'weights';
  if (head === 'grads') return 'grads';
  if (head === 'adamw' || head === 'sgd') return 'optimizer';
  if (head === 'ema') return 'ema';
  return 'activations'; // activations, backward scratch, statistics
};

/** Bytes held now and at most, per kind. */
export interface MemoryUse { live: Record<MemoryKind, number>; peak: Record<MemoryKind, number> }

const zeros = (): Record<MemoryKind, number> => ({ weights: 0, grads: 0, optimizer: 0, ema: 0, activations: 0 });

export class MeteredBackend implements Backend {
  readonly name: BackendName;
  /** Bytes copied back to the host by read() so far. */
  readBytes = 0;
  private readonly live = zeros();
  private peak = zeros();
  private readonly sizes = new Map<number, { kind: MemoryKind; bytes: number }>();

  constructor(readonly inner: Backend) {
    this.name = inner.name;
  }

  alloc(length: number, label = ''): Buffer {
    const b = this.inner.alloc(length, label);
    const kind = kindOf(label), bytes = length * 4;
    this.sizes.set(b.id, { kind, bytes });
    this.live[kind] += bytes;
    this.peak[kind] = Math.max(this.peak[kind], this.live[kind]);
    return b;
  }

  free(buf: Buffer): void {
    const s = this.sizes.get(buf.id);
    if (s) this.live[s.kind] -= s.bytes;
    this.sizes.delete(buf.id);
    this.inner.free(buf);
  }

  read(src: Buffer | Slice): Promise<Float32Array> {
    this.readBytes += 4 * src.length;
    return this.inner.read(src);
  }

  write(buf: Buffer, data: Float32Array, offset?: number): void {
    this.inner.write(buf, data, offset);
  }

  dispatch<K extends KernelName>(kernel: K, args: KernelArgs[K]): void {
    this.inner.dispatch(kernel, args);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  destroy(): void {
    this.inner.destroy();
  }

  /** Bytes held now and the peaks since the last resetPeaks(). */
  use(): MemoryUse {
    return { live: { ...this.live }, peak: { ...this.peak } };
  }

  /** Start the peaks over from what is held now (e.g. per step). */
  resetPeaks(): void {
    this.peak = { ...this.live };
  }
}
