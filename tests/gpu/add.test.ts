import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOnDevice } from '../../src/engine/backend/webgpu/device';
import { addInPlaceN } from '../../src/engine/ops/elementwise';
import { getDevice, releaseGpu } from './gpu';

let device: GPUDevice;
let adapter: GPUAdapter;
beforeAll(async () => ({ adapter, device } = await getDevice()));
afterAll(() => releaseGpu(device));

describe('add_inplace on a fresh device (addOnDevice) vs addInPlaceN', () => {
  it('runs on SwiftShader', () => {
    expect(adapter.info.architecture).toBe('swiftshader');
  });

  // Sizes include ones that are not multiples of the workgroup (64) and a single element.
  for (const n of [1, 63, 64, 65, 1000, 4097]) {
    it(`n=${n}: matches the CPU twin exactly (one f32 add each side)`, async () => {
      const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) * 100);
      const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.2) / 7);
      const got = await addOnDevice(device, a, b);
      const want = a.slice();
      addInPlaceN(want, b, want.length);
      expect(Array.from(got)).toEqual(Array.from(want));
    });
  }
});
