// CpuBackend: buffer lifecycle, zero-copy dispatch on slices, fresh copies from read, and clear errors.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { sub, whole } from '../../src/engine/backend/types';

describe('CpuBackend', () => {
  it('allocates zero-filled buffers, writes at an offset and reads fresh copies', async () => {
    const be = new CpuBackend();
    expect(be.name).toBe('cpu');
    const b = be.alloc(5, 'x');
    expect(Array.from(await be.read(b))).toEqual([0, 0, 0, 0, 0]);
    be.write(b, Float32Array.from([1, 2]), 3);
    const r = await be.read(sub(whole(b), 2, 3));
    expect(Array.from(r)).toEqual([0, 1, 2]);
    r[0] = 99; // a copy: the buffer must not change
    expect((await be.read(b))[2]).toBe(0);
    expect(r.buffer.byteLength).toBe(12); // its own buffer, safe to transfer
    expect(() => be.write(b, new Float32Array(3), 3)).toThrow(/do not fit x/);
  });

  it('runs kernels on sub-slices in place without touching the rest of the buffer', async () => {
    const be = new CpuBackend();
    const buf = be.alloc(12, 'mixed');
    be.write(buf, Float32Array.from([1, 2, 3, 4, /* b */ 1, 0, 0, 1, /* out */ 7, 7, 7, 7]));
    const W = whole(buf);
    be.dispatch('matmul', { out: sub(W, 8, 4), a: sub(W, 0, 4), b: sub(W, 4, 4), M: 2, N: 2, K: 2, transA: false, transB: false, accumulate: false });
    await be.flush();
    expect(Array.from(await be.read(buf))).toEqual([1, 2, 3, 4, 1, 0, 0, 1, 1, 2, 3, 4]);
    be.dispatch('scale', { x: sub(W, 9, 2), s: 10, n: 2 });
    expect(Array.from(await be.read(sub(W, 8, 4)))).toEqual([1, 20, 30, 4]);
  });

  it('gives specific errors for bad slices, freed buffers and unknown kernels', () => {
    const be = new CpuBackend();
    const b = be.alloc(4, 'grads');
    expect(() => be.dispatch('fill', { out: { buf: b, offset: 2, length: 4 }, value: 1, n: 4 })).toThrow(/outside grads/);
    expect(() => be.dispatch('fill', { out: whole(b), value: 1, n: 5 })).toThrow(/needs 5/);
    expect(() => be.alloc(-1)).toThrow(/bad length/);
    be.free(b);
    expect(() => be.dispatch('fill', { out: whole(b), value: 1, n: 4 })).toThrow(/freed/);
    expect(() => be.dispatch('nope' as 'fill', { out: whole(b), value: 1, n: 4 })).toThrow(/unknown kernel 'nope'/);
    const other = new CpuBackend().alloc(4, 'elsewhere');
    expect(() => be.dispatch('fill', { out: whole(other), value: 1, n: 4 })).toThrow(/another backend/);
  });

  it('is deterministic: the same dispatches give the same bits', async () => {
    const run = async () => {
      const be = new CpuBackend();
      const a = be.alloc(64 * 48), b = be.alloc(48 * 32), o = be.alloc(64 * 32);
      be.write(a, Float32Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i)));
      be.write(b, Float32Array.from({ length: 48 * 32 }, (_, i) => Math.cos(i)));
      be.dispatch('matmul', { out: whole(o), a: whole(a), b: whole(b), M: 64, N: 32, K: 48, transA: false, transB: false, accumulate: false });
      return be.read(o);
    };
    expect(await run()).toEqual(await run());
  });
});
