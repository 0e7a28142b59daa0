// The measured `auto` choice: it times both backends and picks the one it measured faster (which one wins
// is a benchmark question, not asserted here), and falls back to the CPU with a reason without a device.
import { afterAll, describe, expect, it } from 'vitest';
import { chooseBackendMeasured } from '../../src/engine/backend/auto';
import { getDevice, releaseGpu } from './gpu';

afterAll(() => releaseGpu());

describe('chooseBackendMeasured', () => {
  it('times cpu and webgpu, picks the faster, and gives the numbers', async () => {
    const r = await chooseBackendMeasured({ openDevice: async () => (await getDevice()).device, reps: 1 });
    console.log(r.reason);
    expect(r.ms.cpu).toBeGreaterThan(0);
    expect(r.ms.webgpu).toBeGreaterThan(0);
    expect(r.backend).toBe(r.ms.webgpu! < r.ms.cpu! ? 'webgpu' : 'cpu');
    expect(r.reason).toMatch(/cpu \d+\.\d ms, webgpu \d+\.\d ms/);
  });

  it('without a device: cpu, and the reason says so', async () => {
    const r = await chooseBackendMeasured({ openDevice: async () => null, reps: 1 });
    expect(r.backend).toBe('cpu');
    expect(r.reason).toMatch(/^cpu: no WebGPU device could be opened; the CPU backend takes \d+\.\d ms/);
  });

  it('a failing device factory is a reason, not a crash', async () => {
    const r = await chooseBackendMeasured({ openDevice: () => Promise.reject(new Error('adapter refused')), reps: 1 });
    expect(r.backend).toBe('cpu');
    expect(r.reason).toContain('opening a WebGPU device failed (adapter refused)');
  });
});
