import { describe, expect, it } from 'vitest';
import { chooseBackend, type AdapterSummary } from '../../src/engine/backend/adapter';

const base: AdapterSummary = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: '',
  description: '',
  isFallback: true,
  shaderF16: false,
  features: [],
  limits: {
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupStorageSize: 32768,
    maxStorageBuffersPerShaderStage: 10,
    maxStorageBufferBindingSize: 2 ** 30,
    maxBufferSize: 2 ** 30,
    maxComputeWorkgroupsPerDimension: 65535,
  },
};

describe('chooseBackend', () => {
  it('uses the CPU on a software fallback adapter and says why', () => {
    const c = chooseBackend(base);
    expect(c.backend).toBe('cpu');
    expect(c.reason).toMatch(/software fallback \(swiftshader\)/);
  });

  it('uses WebGPU on a hardware adapter', () => {
    expect(chooseBackend({ ...base, isFallback: false, vendor: 'apple', architecture: 'metal-3' }).backend).toBe('webgpu');
  });

  it('uses the CPU without an adapter and passes the reason on', () => {
    const c = chooseBackend(null, 'No navigator.gpu.');
    expect(c).toEqual({ backend: 'cpu', reason: 'No navigator.gpu. Training runs on the CPU backend (plain TypeScript).' });
  });
});
