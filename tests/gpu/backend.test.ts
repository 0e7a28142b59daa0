// WebGpuBackend behaviour: steady state allocates nothing, one submit and one readback per step, program
// order survives write() between dispatches, limit checks fail loudly, and device loss fails (not hangs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../../src/engine/backend/webgpu/backend';
import { closeBackend, getDevice, openBackend } from './gpu';

let device: GPUDevice;
let be: WebGpuBackend;
beforeAll(async () => ({ device, be } = await openBackend()));
afterAll(() => closeBackend(be, device));

const whole = (buf: { id: number; length: number; label: string }) => ({ buf, offset: 0, length: buf.length });

/** A small step: matmul + gelu + layernorm + sumsq on scratch activations, then one readback. */
async function step(b: WebGpuBackend, w: ReturnType<WebGpuBackend['alloc']>): Promise<number> {
  const x = b.alloc(32 * 48, 'x');
  const h = b.alloc(32 * 64, 'h');
  const g = b.alloc(32 * 64, 'g');
  const stats = b.alloc(64, 'stats');
  b.dispatch('fill', { out: whole(x), value: 0.5, n: x.length });
  b.dispatch('matmul', { out: whole(h), a: whole(x), b: whole(w), M: 32, N: 64, K: 48, transA: false, transB: true, accumulate: false });
  b.dispatch('gelu_fwd', { out: whole(g), x: whole(h), n: g.length });
  b.dispatch('layernorm_fwd', { out: whole(h), mean: { buf: stats, offset: 0, length: 32 }, rstd: { buf: stats, offset: 32, length: 32 }, x: whole(g), w: { buf: w, offset: 0, length: 64 }, b: { buf: w, offset: 64, length: 64 }, R: 32, C: 64, eps: 1e-5 });
  b.dispatch('sumsq', { out: { buf: stats, offset: 0, length: 1 }, x: whole(h), n: h.length });
  const [s] = await b.read({ buf: stats, offset: 0, length: 1 });
  for (const t of [x, h, g, stats]) b.free(t);
  return s;
}

describe('steady state', () => {
  it('after the first step: no new buffers, pipelines or bind groups; 1 submit and 1 readback per step', async () => {
    const w = be.alloc(64 * 48, 'w');
    be.write(w, Float32Array.from({ length: w.length }, (_, i) => Math.sin(i) * 0.1));
    const first = await step(be, w);
    const s1 = be.stats();
    be.resetCounters();
    const second = await step(be, w);
    const c = be.resetCounters();
    const s2 = be.stats();
    expect(second).toBe(first); // same inputs, same kernels: same bits
    expect(s2.created).toBe(s1.created);
    expect(s2.pipelines).toBe(s1.pipelines);
    expect(c.bindGroups).toBe(0);
    expect(c.submits).toBe(1);
    expect(c.readbacks).toBe(1);
    expect(c.dispatches).toBe(5);
    be.free(w);
  });

  it('write() after dispatches keeps program order (pending commands are submitted first)', async () => {
    const buf = be.alloc(8, 'order');
    be.dispatch('fill', { out: whole(buf), value: 1, n: 8 });
    be.write(buf, new Float32Array([5, 6]), 3);
    be.dispatch('scale', { x: { buf, offset: 4, length: 4 }, s: 2, n: 4 });
    expect(Array.from(await be.read(buf))).toEqual([1, 1, 1, 5, 12, 2, 2, 2]);
    be.free(buf);
  });

  it('a freed and re-allocated buffer comes back zeroed', async () => {
    const a = be.alloc(100, 'a');
    be.dispatch('fill', { out: whole(a), value: 3, n: 100 });
    be.free(a);
    const b = be.alloc(100, 'b');
    expect(be.stats().reused).toBeGreaterThan(0);
    expect(Array.from(await be.read(b)).every((v) => v === 0)).toBe(true);
    be.free(b);
  });
});

describe('limits fail loudly', () => {
  it('storage buffers per stage', () => {
    const small = new WebGpuBackend(device, { limits: { maxStorageBuffersPerShaderStage: 5 } });
    const buf = small.alloc(64, 'x');
    const s = (o: number, n: number) => ({ buf, offset: o, length: n });
    expect(() => small.dispatch('layernorm_bwd', { dx: s(0, 8), dw: s(8, 4), db: s(12, 4), dout: s(16, 8), x: s(24, 8), w: s(32, 4), mean: s(36, 2), rstd: s(38, 2), R: 2, C: 4 }))
      .toThrow(/layernorm_bwd_dx needs 6 storage buffers per shader stage; this adapter allows 5/);
    small.destroy();
  });

  it('workgroups per dimension', () => {
    const small = new WebGpuBackend(device, { limits: { maxComputeWorkgroupsPerDimension: 4 } });
    const buf = small.alloc(64 * 17, 'x');
    expect(() => small.dispatch('fill', { out: whole(buf), value: 1, n: buf.length })).toThrow(/needs a 4x5 workgroup grid; this adapter allows 4 per dimension/);
    small.destroy();
  });

  it('binding size and buffer size', () => {
    const small = new WebGpuBackend(device, { limits: { maxStorageBufferBindingSize: 1024 } });
    const buf = small.alloc(1000, 'big');
    expect(() => small.dispatch('scale', { x: whole(buf), s: 2, n: 1000 })).toThrow(/binds 4000 bytes of big; this adapter's maxStorageBufferBindingSize is 1024/);
    expect(() => small.alloc(2 ** 40, 'huge')).toThrow(/huge' needs 4194304.0 MiB but this adapter's maxBufferSize/);
    small.destroy();
  });

  it('slices too small for the shape', () => {
    const buf = be.alloc(10, 'tiny');
    expect(() => be.dispatch('matmul', { out: whole(buf), a: whole(buf), b: whole(buf), M: 4, N: 4, K: 4, transA: false, transB: false, accumulate: false }))
      .toThrow(/matmul: out \(tiny\) has 10 elements, needs 16/);
    be.free(buf);
  });
});

describe('device loss', () => {
  it('turns into a clear error for the run instead of a hang', async () => {
    const { device: dev } = await getDevice(); // a second device of its own (an adapter gives one device)
    const b = new WebGpuBackend(dev);
    const buf = b.alloc(16, 'x');
    b.dispatch('fill', { out: whole(buf), value: 1, n: 16 });
    dev.destroy();
    await expect(b.read(buf)).rejects.toThrow(/webgpu: device lost \(destroyed\)/);
    expect(() => b.dispatch('fill', { out: whole(buf), value: 1, n: 16 })).toThrow(/device lost/);
    await expect(b.flush()).rejects.toThrow(/device lost/);
    b.destroy();
  });
});

describe('WebGpuBackend.create', () => {
  it('times the variants on this device and keeps the fastest of each family', async () => {
    const { backend: b, selection } = await WebGpuBackend.create(device);
    expect(selection).not.toBeNull();
    const ms = selection!.ms;
    // Matmul: the fastest at the largest probed size (the second round times only the close contenders).
    const sizes = Object.keys(ms).filter((k) => k.startsWith('matmul.')).map((k) => Number(k.split('@')[1]));
    const big = Math.max(...sizes);
    const atBig = Object.entries(ms).filter(([k]) => k.endsWith(`@${big}`)).sort((x, y) => x[1] - y[1]);
    expect(b.variants.matmul).toBe(atBig[0][0].split(/[.@]/)[1]);
    expect(b.variants.attention).toBe(ms['attention.tiled'] < ms['attention.row'] ? 'tiled' : 'row');
    b.destroy();
  });

  it('fixed variants skip the probe', async () => {
    const { backend: b, selection } = await WebGpuBackend.create(device, { matmul: 'tiled', attention: 'tiled' });
    expect(selection).toBeNull();
    expect(b.variants).toMatchObject({ matmul: 'tiled', attention: 'tiled' });
    b.destroy();
  });
});
