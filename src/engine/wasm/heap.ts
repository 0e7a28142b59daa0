// The CPU backend's memory when WebAssembly SIMD is available: one WebAssembly.Memory per thread holds
// the buffers of every CpuBackend in that thread, so wasm kernels read and write them in place and the
// plain-TS twins read the same bytes through Float32Array views. Copying operands in and out of a
// separate wasm memory on every dispatch would cost a memcpy of each operand (for AdamW over the flat
// parameter vector: 7 vectors moved for 1 pass of arithmetic); keeping buffers inside the memory costs
// nothing per dispatch.
// Units: byte addresses and sizes. Blocks are 64-byte aligned (one cache line, and f32x4-aligned).
// Costs and limits: a wasm memory can grow but never shrink (freed blocks are reused, first fit, with
// neighbours merged), and stops at 4 GiB (wasm32); growing replaces memory.buffer, so views made before
// an alloc may be detached: `f32` always returns a view of the current buffer.

const PAGE = 65536;
const ALIGN = 64;
/** Address 0 is never handed out, so kernels can take 0 for "no buffer" (an optional bias). */
const RESERVED = ALIGN;

interface Block { addr: number; size: number }

/** A first-fit allocator over one WebAssembly.Memory. */
export class Heap {
  readonly memory: WebAssembly.Memory;
  private top = RESERVED; // everything at or above top is free and untouched
  private readonly free: Block[] = []; // free blocks below top, sorted by address, never adjacent
  private buffer: ArrayBuffer | null = null;
  private view = new Float32Array(0);

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
  }

  /** The whole memory as f32 (element index = byte address / 4); re-made after the memory grew. */
  get f32(): Float32Array {
    const b = this.memory.buffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.view = new Float32Array(b);
    }
    return this.view;
  }

  /** Bytes in use or kept for reuse (the high-water mark of the memory's use). */
  get size(): number {
    return this.top;
  }

  /** A zero-filled block of at least `bytes` bytes; its address, or null when the memory cannot grow. */
  alloc(bytes: number): number | null {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.size < size) continue;
      const addr = f.addr;
      if (f.size === size) this.free.splice(i, 1);
      else this.free[i] = { addr: addr + size, size: f.size - size };
      this.f32.fill(0, addr / 4, (addr + size) / 4); // reused bytes hold old data
      return addr;
    }
    const addr = this.top;
    const end = addr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // grow by at least 1/8 of the memory, so N allocations cost O(log N) grows
      const pages = Math.max(Math.ceil((end - have) / PAGE), Math.ceil(have / PAGE / 8));
      try {
        this.memory.grow(pages);
      } catch {
        try {
          this.memory.grow(Math.ceil((end - have) / PAGE)); // the minimum, when the generous step is too much
        } catch {
          return null;
        }
      }
    }
    this.top = end; // memory above top has never been handed out, so it is still zero
    return addr;
  }

  /** Return a block from alloc (same `bytes`); it merges with free neighbours, or lowers top. */
  release(addr: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let i = 0;
    while (i < this.free.length && this.free[i].addr < addr) i++;
    const prev = this.free[i - 1];
    const next = this.free[i];
    let block: Block = { addr, size };
    if (prev && prev.addr + prev.size === addr) {
      block = { addr: prev.addr, size: prev.size + size };
      this.free.splice(--i, 1);
    }
    if (next && block.addr + block.size === next.addr) {
      block = { addr: block.addr, size: block.size + next.size };
      this.free.splice(i, 1);
    }
    if (block.addr + block.size === this.top) {
      // the block ends at top: give it back to the untouched region (zero it, as that region must be)
      this.f32.fill(0, block.addr / 4, this.top / 4);
      this.top = block.addr;
    } else {
      this.free.splice(i, 0, block);
    }
  }
}
