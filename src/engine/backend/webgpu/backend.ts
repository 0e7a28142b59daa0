// The WebGPU backend: the Backend interface over one GPUDevice. dispatch() records passes into the
// current command encoder (one per step where possible); read() and flush() submit it. Buffers come from
// a pool, pipelines are compiled once and cached, uniforms live in a ring, bind groups are cached by the
// exact buffers and ranges they bind, so steady state allocates nothing. Counters say what a step cost.
// Element offsets travel in uniforms; bindings are 256-byte-aligned ranges (minStorageBufferOffsetAlignment).
import type { BackendName } from '../adapter';
import { checkSizes } from '../sizes';
import type { Backend, Buffer, KernelArgs, KernelName, Slice } from '../types';
import { Pipelines } from './pipelines';
import { plans } from './plans-misc';
import type { Pass, PlanContext } from './pass';
import { BufferPool, bytesFor } from './pool';
import { UniformRing } from './uniforms';
import { selectVariants, type Selection } from './select';
import { AdapterLimitError } from './limit-error';

export interface WebGpuOptions {
  matmul?: PlanContext['matmul'];
  attention?: PlanContext['attention'];
  /** vec4 attention kernels where the head size allows (default true). */
  vec4?: boolean;
  /** Use native f16 arithmetic for f16_accumulate/f16_unpack when the device has shader-f16. */
  nativeF16?: boolean;
  /** Lower (never raise) device limits, to test the limit checks as a smaller adapter would fail them. */
  limits?: Partial<Limits>;
}

/** What the backend did since the last resetCounters(): the per-step cost model. */
export interface Counters { dispatches: number; passes: number; submits: number; readbacks: number; readbackBytes: number; writes: number; aliasCopies: number; bindGroups: number }

interface Entry { gpu: GPUBuffer; buf: Buffer }

const LIMIT_KEYS = [
  'maxStorageBuffersPerShaderStage', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupStorageSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupsPerDimension', 'minStorageBufferOffsetAlignment', 'maxBufferSize',
] as const;
/** The device limits the backend checks against. */
export type Limits = Record<(typeof LIMIT_KEYS)[number], number>;

function readLimits(l: GPUSupportedLimits, lower: Partial<Limits>): Limits {
  const out = {} as Limits;
  for (const k of LIMIT_KEYS) out[k] = Math.min(l[k], lower[k] ?? Infinity);
  return out;
}
const zero = (): Counters => ({ dispatches: 0, passes: 0, submits: 0, readbacks: 0, readbackBytes: 0, writes: 0, aliasCopies: 0, bindGroups: 0 });

export class WebGpuBackend implements Backend {
  readonly name: BackendName = 'webgpu';
  readonly counters: Counters = zero();
  readonly limits: Limits;
  private readonly pool: BufferPool;
  private readonly uniforms: UniformRing;
  private readonly pipelines: Pipelines;
  private readonly buffers = new Map<number, Entry>();
  private readonly scratch = new Map<string, Entry>();
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly ctx: PlanContext;
  private readonly lost: Promise<never>;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private nextId = 1;
  private fatal: Error | null = null;
  private destroyed = false;

  constructor(readonly device: GPUDevice, opts: WebGpuOptions = {}) {
    this.limits = readLimits(device.limits, opts.limits ?? {});
    const fail = (err: Error) => (this.fatal ??= err);
    this.lost = device.lost.then((info) => {
      const err = new Error(`webgpu: device lost (${info.reason}): ${info.message || 'no message'}`);
      fail(err);
      throw err;
    });
    this.lost.catch(() => {}); // observed by every await below
    device.addEventListener('uncapturederror', (ev) => fail(new Error(`webgpu: ${(ev as GPUUncapturedErrorEvent).error.message}`)));
    this.pool = new BufferPool(device, fail);
    this.uniforms = new UniformRing(device);
    this.pipelines = new Pipelines(device, this.limits, this.uniforms.layout, fail);
    this.ctx = {
      scratch: (name, length) => this.scratchSlice(name, length),
      dummy: { buf: this.alloc(4, 'dummy'), offset: 0, length: 4 },
      matmul: opts.matmul ?? 'v4',
      attention: opts.attention ?? 'row',
      vec4: opts.vec4 ?? true,
      nativeF16: Boolean(opts.nativeF16 && device.features.has('shader-f16')),
    };
  }

  /** A backend whose matmul/attention variants are picked by timing them on this device (select.ts),
   *  unless the options fix them. Costs ~0.1-0.5 s of probing on SwiftShader, much less on hardware. */
  static async create(device: GPUDevice, opts: WebGpuOptions = {}): Promise<{ backend: WebGpuBackend; selection: Selection | null }> {
    const backend = new WebGpuBackend(device, opts);
    const selection = opts.matmul && opts.attention ? null : await selectVariants(backend);
    if (selection) backend.setVariants({ matmul: opts.matmul ?? selection.matmul, attention: opts.attention ?? selection.attention });
    return { backend, selection };
  }

  /** Kernel variants in use (chosen by timing in select.ts, or by options). */
  get variants(): { matmul: PlanContext['matmul']; attention: PlanContext['attention']; vec4: boolean; nativeF16: boolean } {
    return { matmul: this.ctx.matmul, attention: this.ctx.attention, vec4: this.ctx.vec4, nativeF16: this.ctx.nativeF16 };
  }

  setVariants(v: Partial<Pick<PlanContext, 'matmul' | 'attention' | 'vec4'>>): void {
    Object.assign(this.ctx, v);
  }

  resetCounters(): Counters {
    const before = { ...this.counters };
    Object.assign(this.counters, zero());
    return before;
  }

  /** Pool and pipeline statistics (buffers created vs reused, bytes, pipelines compiled). */
  stats(): { created: number; reused: number; liveBytes: number; pooledBytes: number; pipelines: number; bindGroupsCached: number } {
    return { ...this.pool.stats, pipelines: this.pipelines.compiled, bindGroupsCached: this.groups.size };
  }

  alloc(length: number, label = 'buffer'): Buffer {
    this.alive();
    if (!(Number.isInteger(length) && length >= 0)) throw new RangeError(`webgpu.alloc: bad length ${length} for ${label}`);
    const { buffer, fresh } = this.pool.take(bytesFor(length), label);
    if (!fresh) this.recordCopy((enc) => enc.clearBuffer(buffer));
    const buf: Buffer = { id: this.nextId++, length, label };
    this.buffers.set(buf.id, { gpu: buffer, buf });
    return buf;
  }

  write(buf: Buffer, data: Float32Array, offset = 0): void {
    this.alive();
    const e = this.entry(buf);
    if (offset < 0 || offset + data.length > buf.length) throw new RangeError(`webgpu.write: [${offset}, ${offset + data.length}) is outside ${buf.label}[0, ${buf.length})`);
    // queue.writeBuffer runs before any not-yet-submitted commands: submit them first to keep program order.
    if (this.encoder) this.submit();
    this.device.queue.writeBuffer(e.gpu, offset * 4, data as Float32Array<ArrayBuffer>, 0, data.length);
    this.counters.writes++;
  }

  dispatch<K extends KernelName>(kernel: K, args: KernelArgs[K]): void {
    this.alive();
    this.counters.dispatches++;
    checkSizes(kernel, args);
    for (const p of plans[kernel](args, this.ctx)) this.record(p);
  }

  async read(src: Buffer | Slice): Promise<Float32Array> {
    this.alive();
    const s: Slice = 'buf' in src ? src : { buf: src, offset: 0, length: src.length };
    const e = this.entry(s.buf);
    if (s.offset < 0 || s.offset + s.length > s.buf.length) throw new RangeError(`webgpu.read: slice outside ${s.buf.label}`);
    const bytes = s.length * 4;
    if (bytes === 0) return new Float32Array(0);
    const staging = this.pool.takeStaging(bytes);
    this.recordCopy((enc) => enc.copyBufferToBuffer(e.gpu, s.offset * 4, staging, 0, bytes));
    this.submit();
    this.counters.readbacks++;
    this.counters.readbackBytes += bytes;
    await this.guard(staging.mapAsync(GPUMapMode.READ, 0, bytes)); // CPU-GPU sync point
    const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    this.pool.giveStaging(staging);
    return out;
  }

  async flush(): Promise<void> {
    this.alive();
    if (this.encoder) this.submit();
    await this.guard(this.device.queue.onSubmittedWorkDone());
    this.alive();
  }

  free(buf: Buffer): void {
    const e = this.buffers.get(buf.id);
    if (!e) return;
    this.buffers.delete(buf.id);
    // Queue order keeps earlier commands safe: the buffer is only reused by commands recorded later.
    this.pool.give(e.gpu);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pass = null;
    this.encoder = null;
    for (const e of [...this.buffers.values(), ...this.scratch.values()]) e.gpu.destroy();
    this.buffers.clear();
    this.scratch.clear();
    this.groups.clear();
    this.pool.destroy();
    this.uniforms.destroy();
  }

  private alive(): void {
    if (this.destroyed) throw new Error('webgpu: backend used after destroy()');
    if (this.fatal) throw this.fatal;
  }

  /** Await p, but fail (not hang) if the device is lost meanwhile. */
  private async guard<T>(p: Promise<T>): Promise<T> {
    const r = await Promise.race([p, this.lost]);
    this.alive();
    return r;
  }

  private entry(buf: Buffer): Entry {
    const e = this.buffers.get(buf.id) ?? this.scratch.get(buf.label);
    if (!e || e.buf !== buf) throw new Error(`webgpu: buffer ${buf.label} (#${buf.id}) is not live on this backend`);
    return e;
  }

  private scratchSlice(name: string, length: number): Slice {
    let e = this.scratch.get(name);
    if (!e || e.buf.length < length) {
      if (e) this.pool.give(e.gpu);
      const grown = Math.max(length, 2 * (e?.buf.length ?? 0));
      const gpu = this.pool.take(bytesFor(grown), name).buffer;
      e = { gpu, buf: { id: this.nextId++, length: grown, label: name } };
      this.scratch.set(name, e);
    }
    return { buf: e.buf, offset: 0, length };
  }

  private ensureEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder({ label: 'step' }));
  }

  private recordCopy(fn: (enc: GPUCommandEncoder) => void): void {
    this.pass?.end();
    this.pass = null;
    fn(this.ensureEncoder());
  }

  private submit(): void {
    this.pass?.end();
    this.pass = null;
    const enc = this.encoder;
    this.encoder = null;
    this.uniforms.upload(); // before submit: queue order puts the uniform writes ahead of the commands
    if (enc) this.device.queue.submit([enc.finish()]);
    this.counters.submits++;
  }

  /** Record one pass: resolve bindings (aligned ranges, alias copies), uniforms, grid; then dispatch. */
  private record(p: Pass): void {
    const { pipeline, layout, key } = this.pipelines.get(p);
    const align = this.limits.minStorageBufferOffsetAlignment;
    const maxBind = this.limits.maxStorageBufferBindingSize;
    type Res = { gpu: GPUBuffer; start: number; size: number; elem: number; write: boolean; src?: { gpu: GPUBuffer; at: number; bytes: number } };
    const res: (Res | null)[] = p.binds.map((b) => {
      if (!b) return null;
      const e = this.entry(b.slice.buf);
      const first = b.slice.offset * 4;
      const start = Math.floor(first / align) * align;
      const end = Math.min(e.gpu.size, Math.max(start + 16, Math.ceil((first + b.slice.length * 4) / 4) * 4));
      if (end - start > maxBind) throw new AdapterLimitError(`webgpu: ${p.entry} binds ${end - start} bytes of ${b.slice.buf.label}; this adapter's maxStorageBufferBindingSize is ${maxBind}`);
      return { gpu: e.gpu, start, size: end - start, elem: (first - start) / 4, write: b.write };
    });
    // Two bindings of one buffer with overlapping ranges are rejected by WebGPU: route the later one
    // through a scratch copy (copied in before, and back after when written). Costs a copy; counted.
    const copyBack: Res[] = [];
    res.forEach((r, i) => {
      if (!r) return;
      const clash = res.slice(0, i).some((q) => q && q.gpu === r.gpu && q.start < r.start + r.size && r.start < q.start + q.size);
      if (!clash) return;
      const s = p.binds[i]!.slice;
      const tmp = this.scratchSlice(`alias.${i}`, s.length);
      const te = this.scratch.get(`alias.${i}`)!;
      const src = { gpu: r.gpu, at: s.offset * 4, bytes: s.length * 4 };
      if (src.bytes) this.recordCopy((enc) => enc.copyBufferToBuffer(src.gpu, src.at, te.gpu, 0, src.bytes));
      Object.assign(r, { gpu: te.gpu, start: 0, size: te.gpu.size, elem: tmp.offset, src });
      if (r.write) copyBack.push(r);
      this.counters.aliasCopies++;
    });
    const groupKey = key + res.map((r) => (r ? `|${this.pool.uid(r.gpu)}:${r.start}:${r.size}` : '|-')).join('');
    let group = this.groups.get(groupKey);
    if (!group) {
      if (this.groups.size > 4096) this.groups.clear(); // bounded: a fixed model needs a few hundred
      const entries = res.flatMap((r, binding) => (r ? [{ binding, resource: { buffer: r.gpu, offset: r.start, size: r.size } }] : []));
      group = this.device.createBindGroup({ layout, entries });
      this.groups.set(groupKey, group);
      this.counters.bindGroups++;
    }
    const u = this.uniforms.push([...res.map((r) => r?.elem ?? 0), ...p.params]);
    const [gx, gy] = this.grid(p);
    if (!this.pass) this.pass = this.ensureEncoder().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.setBindGroup(1, u.group, [u.offset]);
    this.pass.dispatchWorkgroups(gx, gy);
    this.counters.passes++;
    for (const r of copyBack) this.recordCopy((enc) => enc.copyBufferToBuffer(r.gpu, 0, r.src!.gpu, r.src!.at, r.src!.bytes));
  }

  private grid(p: Pass): [number, number] {
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    let [gx, gy] = typeof p.groups === 'number' ? [p.groups, 1] : p.groups;
    if (typeof p.groups === 'number' && gx > max) [gx, gy] = [max, Math.ceil(gx / max)];
    if (gx > max || gy > max) throw new AdapterLimitError(`webgpu: ${p.entry} needs a ${gx}x${gy} workgroup grid; this adapter allows ${max} per dimension`);
    return [gx, gy];
  }
}
