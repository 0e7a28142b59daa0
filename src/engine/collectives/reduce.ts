// The reduction at the heart of every allreduce: dst[i] += src[i] on f32, n elements.
// A plain JS loop runs at 1.5-4 GB/s here; a WebAssembly SIMD add (f32x4, 4x unrolled) at ~10 GB/s on
// data already in wasm memory. Arrays from messages are not in wasm memory, so we stream them through two
// small scratch blocks (BLOCK f32 each, cache resident): copy dst and src in, add, copy dst out. The extra
// copies hit L1/L2, so memory traffic stays read src + read dst + write dst, as in the JS loop.
// The module is WebAssembly text, src/engine/wasm/reduce.wat, compiled when imported (scripts/wat.mjs).
import addWasm from '../wasm/reduce.wat';

/** Elements per scratch block: 2 x 64 KB stay in L2 while the copies and the add run. */
const BLOCK = 16384;

type Kernel = { mem: Float32Array; add: (dst: number, src: number, n: number) => void };

let kernel: Kernel | null | undefined;

function wasmKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    // Synchronous compile is fine: the module is ~150 bytes (browsers refuse sync compiles over 4 KB).
    const inst = new WebAssembly.Instance(new WebAssembly.Module(addWasm));
    const ex = inst.exports as { mem: WebAssembly.Memory; add: Kernel['add'] };
    kernel = { mem: new Float32Array(ex.mem.buffer, 0, 2 * BLOCK), add: ex.add };
  } catch {
    kernel = null; // no SIMD support: fall back to the JS loop
  }
  return kernel;
}

/** dst[i] += src[i] in plain JS, 4x unrolled (the fallback and the tail). */
export function addJs(dst: Float32Array, src: Float32Array): void {
  const n = dst.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    dst[i] += src[i];
    dst[i + 1] += src[i + 1];
    dst[i + 2] += src[i + 2];
    dst[i + 3] += src[i + 3];
  }
  for (; i < n; i++) dst[i] += src[i];
}

/** dst[i] += src[i] for i < dst.length (src at least as long): WebAssembly SIMD when available. */
export function addInto(dst: Float32Array, src: Float32Array): void {
  const n = dst.length;
  if (src.length < n) throw new RangeError(`addInto: src has ${src.length} elements, dst ${n}`);
  const k = n >= 256 ? wasmKernel() : null; // below ~1 KB the copies cost more than they save
  if (!k) return addJs(dst, src);
  const { mem, add } = k;
  for (let o = 0; o < n; o += BLOCK) {
    const len = Math.min(BLOCK, n - o);
    const body = len & ~15; // the kernel takes multiples of 16; the rest goes through JS
    const d = dst.subarray(o, o + body);
    mem.set(d, 0);
    mem.set(src.subarray(o, o + body), BLOCK);
    add(0, BLOCK * 4, body);
    d.set(mem.subarray(0, body));
    if (body < len) addJs(dst.subarray(o + body, o + len), src.subarray(o + body, o + len));
  }
}

/** Which kernel addInto uses here ('wasm-simd' or 'js'). */
export function reduceKernel(): 'wasm-simd' | 'js' {
  return wasmKernel() ? 'wasm-simd' : 'js';
}
