// Opening a GPUDevice with the adapter's real limits, and the tiny kernel run that proves it works.
import { shaders } from './shaders';

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

/** acc + x computed by shaders/add.wgsl on `device`; one dispatch and one readback. */
export async function addOnDevice(device: GPUDevice, acc: Float32Array, x: Float32Array): Promise<Float32Array> {
  if (acc.length !== x.length) throw new Error(`addOnDevice: length mismatch ${acc.length} vs ${x.length}`);
  const n = acc.length;
  const bytes = Math.max(4, n * 4);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const accBuf = device.createBuffer({ size: bytes, usage });
  const xBuf = device.createBuffer({ size: bytes, usage });
  const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const readBuf = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(accBuf, 0, acc as Float32Array<ArrayBuffer>);
    device.queue.writeBuffer(xBuf, 0, x as Float32Array<ArrayBuffer>);
    device.queue.writeBuffer(params, 0, new Uint32Array([n, 0, 0, 0]));
    const wg = 64;
    const module = device.createShaderModule({ code: shaders.add });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'add_inplace', constants: { WG: wg } },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: accBuf } },
        { binding: 1, resource: { buffer: xBuf } },
        { binding: 2, resource: { buffer: params } },
      ],
    });
    const groups = Math.ceil(n / wg);
    const maxX = device.limits.maxComputeWorkgroupsPerDimension;
    const gx = Math.min(groups, maxX);
    const gy = Math.ceil(groups / gx);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    if (n > 0) pass.dispatchWorkgroups(gx, gy);
    pass.end();
    enc.copyBufferToBuffer(accBuf, 0, readBuf, 0, bytes);
    device.queue.submit([enc.finish()]);
    await readBuf.mapAsync(GPUMapMode.READ); // CPU-GPU sync point
    const out = new Float32Array(readBuf.getMappedRange().slice(0, n * 4));
    readBuf.unmap();
    return out;
  } finally {
    accBuf.destroy();
    xBuf.destroy();
    params.destroy();
    readBuf.destroy();
  }
}
