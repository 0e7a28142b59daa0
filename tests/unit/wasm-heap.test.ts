// The wasm heap under the CPU backend (src/engine/wasm/heap.ts): zero-filled blocks, reuse of freed
// blocks with neighbours merged, growth that replaces memory.buffer (views re-made), a clean refusal
// when the memory cannot grow (the backend then keeps that buffer in a plain array), the backend's
// fallback to the TS twins where WebAssembly SIMD is missing, and the size of each kernel module.
import { describe, expect, it, vi } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { whole } from '../../src/engine/backend/types';
import { Heap } from '../../src/engine/wasm/heap';
import { wasmKernels, wasmModules } from '../../src/engine/wasm/kernels';

describe('Heap', () => {
  it('hands out 64-byte aligned, disjoint, zero-filled blocks, never address 0', () => {
    const h = new Heap(new WebAssembly.Memory({ initial: 1 }));
    const a = h.alloc(10)!, b = h.alloc(100)!, c = h.alloc(64)!;
    expect(a).toBeGreaterThan(0);
    for (const x of [a, b, c]) expect(x % 64).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 64);
    expect(c).toBeGreaterThanOrEqual(b + 128);
    h.f32.fill(7, b / 4, b / 4 + 25);
    h.release(b, 100);
    const d = h.alloc(50)!; // first fit: b's block, zeroed again
    expect(d).toBe(b);
    expect(Array.from(h.f32.subarray(d / 4, d / 4 + 16)).every((v) => v === 0)).toBe(true);
  });

  it('merges freed neighbours and gives the top back, so the high-water mark does not creep', () => {
    const h = new Heap(new WebAssembly.Memory({ initial: 1 }));
    const blocks = [1, 2, 3, 4].map(() => h.alloc(256)!);
    const top = h.size;
    h.release(blocks[1], 256);
    h.release(blocks[2], 256); // merges with blocks[1]
    expect(h.alloc(512)).toBe(blocks[1]); // fits only in the merged block
    h.release(blocks[1], 512);
    h.release(blocks[3], 256);
    h.release(blocks[0], 256);
    expect(h.size).toBe(64); // everything back: top at the reserved first line
    expect(h.alloc(4 * 256)).toBe(blocks[0]);
    expect(h.size).toBe(top);
  });

  it('grows the memory and re-makes its view; refuses (null) past the maximum', () => {
    const h = new Heap(new WebAssembly.Memory({ initial: 1, maximum: 3 }));
    const before = h.f32;
    const big = h.alloc(100_000)!;
    expect(big).not.toBeNull();
    expect(before.length).toBe(0); // the old view was detached by the growth
    expect(h.f32.length * 4).toBeGreaterThanOrEqual(big + 100_000);
    expect(h.alloc(200_000)).toBeNull();
  });
});

describe('the kernel modules', () => {
  it('load here (Node 20 has WebAssembly SIMD) and the CPU backend uses them', () => {
    expect(wasmKernels()).not.toBeNull();
    expect(new CpuBackend().kernels).toBe('wasm-simd');
  });

  it('each stay under 4 KB, so a browser main thread may compile them synchronously', () => {
    for (const [name, bytes] of Object.entries(wasmModules)) expect(bytes.length, name).toBeLessThan(4096);
  });
});

describe('CpuBackend on the heap', () => {
  it('keeps data across heap growth caused by other backends in the same thread', async () => {
    const be = new CpuBackend();
    const x = be.alloc(1000, 'x');
    be.write(x, Float32Array.from({ length: 1000 }, (_, i) => i));
    const other = new CpuBackend();
    for (let i = 0; i < 8; i++) other.alloc(1 << 20); // 32 MB: the memory grows
    be.dispatch('scale', { x: whole(x), s: 2, n: 1000 });
    expect((await be.read(x))[999]).toBe(1998);
    other.destroy();
    be.destroy();
  });

  it('keeps a buffer the heap cannot hold in a plain array, and runs the TS twin on calls that touch it', async () => {
    const be = new CpuBackend();
    const w = be.wasm!;
    const a = be.alloc(6, 'a'), b = be.alloc(6, 'b');
    const refuse = vi.spyOn(w.heap, 'alloc').mockReturnValueOnce(null); // as when the memory is at 4 GiB
    const out = be.alloc(4, 'out');
    refuse.mockRestore();
    const matmul = vi.spyOn(w, 'matmul');
    be.write(a, Float32Array.of(1, 2, 3, 4, 5, 6));
    be.write(b, Float32Array.of(1, 0, 0, 1, 1, 1));
    be.dispatch('matmul', { out: whole(out), a: whole(a), b: whole(b), M: 2, N: 2, K: 3, transA: false, transB: false, accumulate: false });
    expect(matmul).not.toHaveBeenCalled(); // out is outside the heap: the twin ran
    expect(Array.from(await be.read(out))).toEqual([4, 5, 10, 11]);
    const inHeap = be.alloc(4, 'in heap');
    be.dispatch('matmul', { out: whole(inHeap), a: whole(a), b: whole(b), M: 2, N: 2, K: 3, transA: false, transB: false, accumulate: false });
    expect(matmul).toHaveBeenCalledTimes(1);
    expect(Array.from(await be.read(inHeap))).toEqual([4, 5, 10, 11]);
    matmul.mockRestore();
    be.destroy();
  });

  it('falls back to the TS twins where WebAssembly SIMD is missing', async () => {
    vi.resetModules();
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    try {
      const fresh = await import('../../src/engine/wasm/kernels');
      const { CpuBackend: Fresh } = await import('../../src/engine/backend/cpu');
      expect(fresh.wasmKernels()).toBeNull();
      const be = new Fresh();
      expect(be.kernels).toBe('ts');
      const a = be.alloc(4), o = be.alloc(4);
      be.write(a, Float32Array.of(1, 2, 3, 4));
      be.dispatch('matmul', { out: whole(o), a: whole(a), b: whole(a), M: 2, N: 2, K: 2, transA: false, transB: false, accumulate: false });
      expect(Array.from(await be.read(o))).toEqual([7, 10, 15, 22]);
    } finally {
      validate.mockRestore();
      vi.resetModules();
    }
  });
});
