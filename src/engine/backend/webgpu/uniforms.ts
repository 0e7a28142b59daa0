// Uniform ring: every dispatch's small parameter block (offsets, sizes, scalars) gets a 256-byte slot
// (minUniformBufferOffsetAlignment) in a 64 KiB chunk, bound with a dynamic offset, so steady state
// creates no buffers and no bind groups for uniforms. Slots are filled on the host and uploaded with one
// writeBuffer per used chunk just before each submit; queue order makes reusing slots after a submit safe.

const SLOT = 256;
const CHUNK = 65536; // maxUniformBufferBindingSize is at least this on every adapter
const SLOTS = CHUNK / SLOT;

interface Chunk { buffer: GPUBuffer; group: GPUBindGroup; host: ArrayBuffer; u32: Uint32Array; f32: Float32Array }

/** One parameter word: an unsigned integer or an f32. */
export type Word = number | { f: number };

export class UniformRing {
  readonly layout: GPUBindGroupLayout;
  private readonly chunks: Chunk[] = [];
  private used = 0; // slots used since the last upload

  constructor(private readonly device: GPUDevice) {
    this.layout = device.createBindGroupLayout({
      label: 'uniforms',
      entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }],
    });
  }

  /** Store words in a fresh slot; returns the bind group and dynamic offset to use. */
  push(words: Word[]): { group: GPUBindGroup; offset: number } {
    if (words.length > SLOT / 4) throw new Error(`webgpu: ${words.length} uniform words exceed a ${SLOT}-byte slot`);
    const ci = Math.floor(this.used / SLOTS);
    const si = this.used % SLOTS;
    this.used++;
    const c = this.chunks[ci] ?? this.grow();
    const base = si * (SLOT / 4);
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (typeof w === 'number') {
        if (!(Number.isInteger(w) && w >= 0 && w < 2 ** 32)) throw new RangeError(`webgpu: uniform word ${i} = ${w} is not a u32`);
        c.u32[base + i] = w;
      } else c.f32[base + i] = w.f;
    }
    return { group: c.group, offset: si * SLOT };
  }

  /** Upload the slots used since the last call (call right before queue.submit). */
  upload(): void {
    for (let ci = 0; ci * SLOTS < this.used; ci++) {
      const bytes = Math.min(this.used - ci * SLOTS, SLOTS) * SLOT;
      this.device.queue.writeBuffer(this.chunks[ci].buffer, 0, this.chunks[ci].host, 0, bytes);
    }
    this.used = 0;
  }

  destroy(): void {
    for (const c of this.chunks) c.buffer.destroy();
    this.chunks.length = 0;
  }

  private grow(): Chunk {
    const buffer = this.device.createBuffer({ label: `uniforms ${this.chunks.length}`, size: CHUNK, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const group = this.device.createBindGroup({ layout: this.layout, entries: [{ binding: 0, resource: { buffer, size: SLOT } }] });
    const host = new ArrayBuffer(CHUNK);
    const c = { buffer, group, host, u32: new Uint32Array(host), f32: new Float32Array(host) };
    this.chunks.push(c);
    return c;
  }
}
