// The reduction at the heart of every allreduce: dst[i] += src[i] on f32, n elements.
// A plain JS loop runs at 1.5-4 GB/s here; a WebAssembly SIMD add (f32x4, 4x unrolled) at ~10 GB/s on
// data already in wasm memory. Arrays from messages are not in wasm memory, so we stream them through two
// small scratch blocks (BLOCK f32 each, cache resident): copy dst and src in, add, copy dst out. The extra
// copies hit L1/L2, so memory traffic stays read src + read dst + write dst, as in the JS loop.

/** Elements per scratch block: 2 x 64 KB stay in L2 while the copies and the add run. */
const BLOCK = 16384;

const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/** Bytes of a module exporting `mem` (2 pages) and `add(dst, src, n)`: f32 dst[i] += src[i], byte
 *  addresses, n a multiple of 16. Written out by hand so no toolchain is needed. */
function addModule(): Uint8Array {
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const i32 = (v: number) => [0x41, ...sleb(v)];
  const load = (off: number) => [0xfd, 0x00, 0x04, ...uleb(off)]; // v128.load align=16
  const store = (off: number) => [0xfd, 0x0b, 0x04, ...uleb(off)]; // v128.store align=16
  const f32x4add = [0xfd, 0xe4, 0x01];
  const code = [
    ...get(0), ...get(2), ...i32(2), 0x74, 0x6a, ...set(3), // end = dst + n*4
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(0), ...get(3), 0x4f, 0x0d, 0x01, // if dst >= end: break
    ...[0, 16, 32, 48].flatMap((o) => [...get(0), ...get(0), ...load(o), ...get(1), ...load(o), ...f32x4add, ...store(o)]),
    ...get(0), ...i32(64), 0x6a, ...set(0), // dst += 64
    ...get(1), ...i32(64), 0x6a, ...set(1), // src += 64
    0x0c, 0x00, 0x0b, 0x0b, 0x0b, // continue; end loop; end block; end func
  ];
  const body = [0x01, 0x01, 0x7f, ...code]; // one local: i32 end
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]), // type: (i32, i32, i32) -> ()
    ...section(3, [1, 0]), // one function of type 0
    ...section(5, [1, 0, 2]), // memory: min 2 pages (2 blocks of 64 KB)
    ...section(7, [2, ...name('mem'), 2, 0, ...name('add'), 0, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

type Kernel = { mem: Float32Array; add: (dst: number, src: number, n: number) => void };

let kernel: Kernel | null | undefined;

function wasmKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    // Synchronous compile is fine: the module is ~150 bytes (browsers refuse sync compiles over 4 KB).
    const inst = new WebAssembly.Instance(new WebAssembly.Module(addModule() as Uint8Array<ArrayBuffer>));
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
