// What the WebGPU adapter is, and which backend the playground uses because of it.
// Pure: takes the `navigator.gpu`-like object, so it runs in the page, in workers and in Node.

/** The adapter limits a summary reports. */
const SUMMARY_LIMITS = [
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension',
] as const;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallback: boolean;
  shaderF16: boolean;
  features: string[];
  limits: Record<(typeof SUMMARY_LIMITS)[number], number>;
}

export type BackendName = 'cpu' | 'webgpu';

export type AdapterProbe =
  | { ok: true; adapter: GPUAdapter; summary: AdapterSummary }
  | { ok: false; reason: string };

/** Ask for an adapter and summarise it; never throws. */
export async function probeAdapter(gpu: GPU | undefined): Promise<AdapterProbe> {
  if (!gpu) return { ok: false, reason: 'This environment has no WebGPU (navigator.gpu is missing).' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (err) {
    return { ok: false, reason: `requestAdapter() failed: ${(err as Error).message}` };
  }
  if (!adapter) {
    return {
      ok: false,
      reason:
        'WebGPU is present but no adapter was granted. On Linux without a GPU, start Chromium with --enable-unsafe-webgpu.',
    };
  }
  return { ok: true, adapter, summary: describeAdapter(adapter) };
}

/** Plain-data description of an adapter (safe to post between threads). */
export function describeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  // Older implementations put isFallbackAdapter on the adapter itself.
  const legacyFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const l = adapter.limits;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallback: Boolean(info?.isFallbackAdapter ?? legacyFallback ?? false),
    shaderF16: adapter.features.has('shader-f16'),
    features: [...adapter.features].map(String).sort(),
    limits: Object.fromEntries(SUMMARY_LIMITS.map((k) => [k, l[k]])) as AdapterSummary['limits'],
  };
}
