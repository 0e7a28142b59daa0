// Run one kernel on the WebGPU backend and on the CPU backend (its trusted twin) with the same inputs,
// and return both sets of results. Each named array lives at an element offset (`pad`, default 37: odd)
// inside a larger buffer, so element offsets and bindings that do not start on a 256-byte boundary are
// exercised; pad 36 keeps offsets multiples of 4, which the vec4 kernels need. The padding holds a
// sentinel and is checked after the kernel ran on each backend: a kernel that writes past its slices
// (a ragged edge, a wrong offset) fails here even when the slices themselves look right.
import { CpuBackend } from '../../src/engine/backend/cpu';
import type { Backend, KernelArgs, KernelName, Slice } from '../../src/engine/backend/types';
import { WebGpuBackend, type WebGpuOptions } from '../../src/engine/backend/webgpu/backend';
import { Rng } from '../../src/engine/rng';

export type Arrays = Record<string, Float32Array>;

/** Deterministic normal values (seeded), scaled. */
export function randn(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

/** Token ids as f32 in [0, V). */
export function ids(n: number, V: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.int(V));
}

const SENTINEL = -12345.5;

async function runOn<K extends KernelName>(be: Backend, kernel: K, arrays: Arrays, args: (s: Record<string, Slice>) => KernelArgs[K], arena: boolean, pad: number): Promise<Arrays> {
  const slices: Record<string, Slice> = {};
  const names = Object.keys(arrays);
  const sentinel = (buf: Slice['buf']) => be.write(buf, new Float32Array(buf.length).fill(SENTINEL));
  if (arena) {
    // One buffer holding every array back to back: bindings of one buffer, to exercise aliasing.
    const total = names.reduce((t, k) => t + pad + arrays[k].length, pad);
    const buf = be.alloc(total, 'arena');
    sentinel(buf);
    let at = pad;
    for (const k of names) {
      slices[k] = { buf, offset: at, length: arrays[k].length };
      be.write(buf, arrays[k], at);
      at += arrays[k].length + pad;
    }
  } else {
    for (const k of names) {
      const buf = be.alloc(arrays[k].length + 2 * pad + 1, k);
      sentinel(buf);
      slices[k] = { buf, offset: pad, length: arrays[k].length };
      be.write(buf, arrays[k], pad);
    }
  }
  be.dispatch(kernel, args(slices));
  const out: Arrays = {};
  for (const k of names) out[k] = await be.read(slices[k]);
  const bufs = [...new Map(names.map((k) => [slices[k].buf.id, slices[k].buf])).values()];
  for (const buf of bufs) {
    const all = await be.read(buf);
    const inside = names.filter((k) => slices[k].buf === buf).map((k) => [slices[k].offset, slices[k].offset + slices[k].length]);
    for (let i = 0; i < all.length; i++) {
      if (all[i] !== SENTINEL && !inside.some(([a, e]) => i >= a && i < e)) {
        throw new Error(`${be.name} ${kernel} wrote outside its slices: ${buf.label}[${i}] = ${all[i]}`);
      }
    }
    be.free(buf);
  }
  return out;
}

/** Run `kernel` on both backends; `arena` puts every array in one shared buffer; `pad` elements before each. */
export async function both<K extends KernelName>(
  gpu: WebGpuBackend, kernel: K, arrays: Arrays, args: (s: Record<string, Slice>) => KernelArgs[K], arena = false, pad = 37,
): Promise<{ gpu: Arrays; cpu: Arrays }> {
  const cpu = new CpuBackend({ wasm: false }); // the plain-TS twins: the slow reference every kernel is checked against
  const want = await runOn(cpu, kernel, arrays, args, arena, pad);
  cpu.destroy();
  const got = await runOn(gpu, kernel, arrays, args, arena, pad);
  return { gpu: got, cpu: want };
}

/** Max |a - b| / (atol + rtol |b|) over all elements; <= 1 means within tolerance. */
export function worst(a: Float32Array, b: Float32Array, atol: number, rtol: number): { ratio: number; at: number; got: number; want: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let r = { ratio: 0, at: -1, got: 0, want: 0 };
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    const q = Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i]));
    if (!(q <= r.ratio)) r = { ratio: Number.isNaN(q) ? Infinity : q, at: i, got: a[i], want: b[i] };
  }
  return r;
}

export type { WebGpuOptions };
