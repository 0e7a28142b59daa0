// Compute pipelines compiled once per (shader, entry point, constants, binding slots) and cached, with
// explicit layouts: group 0 = the storage slots a pass uses, group 1 = the shared dynamic-offset uniform.
// Limits are checked here, before anything reaches the driver, with errors that say which limit.
import type { Limits } from './backend';
import type { Pass } from './pass';
import { shaders, type ShaderName } from './shaders';
import { AdapterLimitError } from './limit-error';

export class Pipelines {
  private readonly modules = new Map<ShaderName, GPUShaderModule>();
  private readonly cache = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout; key: string }>();
  compiled = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly limits: Limits,
    private readonly uniformLayout: GPUBindGroupLayout,
    private readonly onError: (err: Error) => void,
  ) {}

  get(pass: Pass): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout; key: string } {
    const slots = pass.binds.map((b, i) => (b ? i : -1)).filter((i) => i >= 0);
    const key = `${pass.shader}:${pass.entry}:${JSON.stringify(pass.constants ?? {})}:${slots.join(',')}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    this.check(pass, slots.length);
    const layout = this.device.createBindGroupLayout({
      label: key,
      entries: slots.map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' as const } })),
    });
    this.device.pushErrorScope('validation');
    const pipeline = this.device.createComputePipeline({
      label: `${pass.shader}.${pass.entry}`,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout, this.uniformLayout] }),
      compute: { module: this.module(pass.shader), entryPoint: pass.entry, constants: pass.constants },
    });
    void this.device.popErrorScope().then((err) => {
      if (err) this.onError(new Error(`webgpu: pipeline ${pass.shader}.wgsl:${pass.entry} failed to build: ${err.message}`));
    });
    this.compiled++;
    const entry = { pipeline, layout, key };
    this.cache.set(key, entry);
    return entry;
  }

  /** Fail loudly where an adapter would otherwise reject (or silently skip) the dispatch. */
  private check(pass: Pass, storage: number): void {
    const l = this.limits;
    const what = `${pass.shader}.wgsl:${pass.entry}`;
    if (storage > l.maxStorageBuffersPerShaderStage) {
      throw new AdapterLimitError(`webgpu: ${what} needs ${storage} storage buffers per shader stage; this adapter allows ${l.maxStorageBuffersPerShaderStage}`);
    }
    const [x, y] = pass.wg;
    if (x > l.maxComputeWorkgroupSizeX || y > l.maxComputeWorkgroupSizeY || x * y > l.maxComputeInvocationsPerWorkgroup) {
      throw new AdapterLimitError(`webgpu: ${what} uses workgroups of ${x}x${y}; this adapter allows ${l.maxComputeWorkgroupSizeX}x${l.maxComputeWorkgroupSizeY}, ${l.maxComputeInvocationsPerWorkgroup} invocations`);
    }
    if ((pass.wgMem ?? 0) > l.maxComputeWorkgroupStorageSize) {
      throw new AdapterLimitError(`webgpu: ${what} needs ${pass.wgMem} bytes of workgroup memory; this adapter allows ${l.maxComputeWorkgroupStorageSize}`);
    }
  }

  private module(name: ShaderName): GPUShaderModule {
    let m = this.modules.get(name);
    if (!m) this.modules.set(name, (m = this.device.createShaderModule({ label: `${name}.wgsl`, code: shaders[name] })));
    return m;
  }
}
