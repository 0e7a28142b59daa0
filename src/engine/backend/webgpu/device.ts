// Opening a GPUDevice with the adapter's real limits, and the tiny kernel run that proves it works.
import { whole } from '../types';
import { WebGpuBackend } from './backend';

/** Request a device asking for the adapter's own limits (defaults are lower than what many adapters offer). */
export async function openDevice(adapter: GPUAdapter, wantF16 = false): Promise<GPUDevice> {
  const l = adapter.limits;
  const requiredFeatures: GPUFeatureName[] = wantF16 && adapter.features.has('shader-f16') ? ['shader-f16'] : [];
  return adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
    },
  });
}

/** acc + x computed by the backend's add_inplace kernel (shaders/elementwise.wgsl) on `device`: the smallest
 *  end-to-end check that a device works (pool, uniforms, one dispatch, one readback). */
export async function addOnDevice(device: GPUDevice, acc: Float32Array, x: Float32Array): Promise<Float32Array> {
  if (acc.length !== x.length) throw new Error(`addOnDevice: length mismatch ${acc.length} vs ${x.length}`);
  const be = new WebGpuBackend(device);
  try {
    const a = be.alloc(acc.length, 'acc'), b = be.alloc(x.length, 'x');
    be.write(a, acc);
    be.write(b, x);
    be.dispatch('add_inplace', { acc: whole(a), x: whole(b), n: acc.length });
    return await be.read(whole(a)); // CPU-GPU sync point
  } finally {
    be.destroy();
  }
}
