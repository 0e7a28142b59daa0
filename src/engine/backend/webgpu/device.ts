// Opening a GPUDevice with the adapter's real limits.

/** The limits asked for at the adapter's own values. */
const RAISED = [
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage', 'maxStorageBufferBindingSize', 'maxBufferSize',
] as const;

/** Request a device asking for the adapter's own limits (defaults are lower than what many adapters offer). */
export async function openDevice(adapter: GPUAdapter, wantF16 = false): Promise<GPUDevice> {
  const requiredFeatures: GPUFeatureName[] = wantF16 && adapter.features.has('shader-f16') ? ['shader-f16'] : [];
  return adapter.requestDevice({ requiredFeatures, requiredLimits: Object.fromEntries(RAISED.map((k) => [k, adapter.limits[k]])) });
}
