// GPU buffer pool: storage buffers by exact byte size, and MAP_READ staging buffers for readback.
// Freed buffers go back to a free list and are handed out again (zeroed by the caller), so a training
// loop that frees and re-allocates the same shapes allocates nothing after its first step.
// Sizes: an element is one f32 (4 bytes); byte sizes are rounded up to 16.

import { AdapterLimitError } from './limit-error';

/** Bytes used for `length` f32 elements (never 0: an empty binding is invalid). */
export const bytesFor = (length: number): number => Math.max(16, Math.ceil((length * 4) / 16) * 16);

export interface PoolStats { created: number; reused: number; liveBytes: number; pooledBytes: number }

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly staging = new Map<number, GPUBuffer[]>();
  private readonly uids = new WeakMap<GPUBuffer, number>();
  private nextUid = 1;
  readonly stats: PoolStats = { created: 0, reused: 0, liveBytes: 0, pooledBytes: 0 };

  constructor(
    private readonly device: GPUDevice,
    /** Called when createBuffer fails asynchronously (out of memory). */
    private readonly onError: (err: Error) => void,
  ) {}

  /** A storage buffer of `bytes`; `fresh` says whether it is newly created (so already zero). */
  take(bytes: number, label: string): { buffer: GPUBuffer; fresh: boolean } {
    const list = this.free.get(bytes);
    const reused = list?.shift(); // FIFO: the same alloc/free order gets the same buffers (bind-group cache hits)
    if (reused) {
      this.stats.reused++;
      this.stats.pooledBytes -= bytes;
      this.stats.liveBytes += bytes;
      return { buffer: reused, fresh: false };
    }
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = this.create({ size: bytes, usage, label });
    this.stats.created++;
    this.stats.liveBytes += bytes;
    return { buffer, fresh: true };
  }

  give(buffer: GPUBuffer): void {
    const bytes = buffer.size;
    const list = this.free.get(bytes) ?? [];
    list.push(buffer);
    this.free.set(bytes, list);
    this.stats.liveBytes -= bytes;
    this.stats.pooledBytes += bytes;
  }

  /** A MAP_READ buffer of at least `bytes` (rounded up to a power of two so few sizes exist). */
  takeStaging(bytes: number): GPUBuffer {
    const size = Math.max(16, 2 ** Math.ceil(Math.log2(bytes)));
    const hit = this.staging.get(size)?.pop();
    if (hit) return hit;
    return this.create({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback' });
  }

  giveStaging(buffer: GPUBuffer): void {
    const list = this.staging.get(buffer.size) ?? [];
    list.push(buffer);
    this.staging.set(buffer.size, list);
  }

  /** Stable small integer per GPUBuffer (bind-group cache keys). */
  uid(buffer: GPUBuffer): number {
    let id = this.uids.get(buffer);
    if (id === undefined) this.uids.set(buffer, (id = this.nextUid++));
    return id;
  }

  destroy(): void {
    for (const list of [...this.free.values(), ...this.staging.values()]) for (const b of list) b.destroy();
    this.free.clear();
    this.staging.clear();
  }

  /** createBuffer inside an out-of-memory error scope; the scope resolves later, so failures are reported
   *  through onError and surface at the next dispatch/read/flush. */
  private create(desc: GPUBufferDescriptor): GPUBuffer {
    const limit = this.device.limits.maxBufferSize;
    if (desc.size > limit) {
      throw new AdapterLimitError(`webgpu: buffer '${desc.label}' needs ${mib(desc.size)} but this adapter's maxBufferSize is ${mib(limit)}`);
    }
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer(desc);
    void this.device.popErrorScope().then((err) => {
      if (err) this.onError(new Error(`webgpu: out of GPU memory allocating '${desc.label}' (${mib(desc.size)}): ${err.message}`));
    });
    return buffer;
  }
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
