// Helpers for the wasm-vs-twin kernel tests: every slice sits inside a larger buffer whose padding holds
// a sentinel, so a kernel that reads or writes outside its slices shows; the same dispatch runs on a
// backend with the wasm kernels and on one with the TS twins only.
import { CpuBackend } from '../../src/engine/backend/cpu';
import { sub, whole, type Backend, type KernelArgs, type KernelName, type Slice } from '../../src/engine/backend/types';

export const PAD = 5; // sentinel elements before and after every slice
export const SENTINEL = -777.25;
export const u = 2 ** -24; // unit roundoff of f32

/** A buffer holding `data` at offset PAD with sentinels around it; returns the slice. */
export function padded(be: Backend, data: Float32Array, label: string): Slice {
  const buf = be.alloc(data.length + 2 * PAD, label);
  be.write(buf, new Float32Array(data.length + 2 * PAD).fill(SENTINEL));
  be.write(buf, data, PAD);
  return sub(whole(buf), PAD, data.length);
}

/** Whether the padding around s still holds only sentinels. */
export async function sentinelsIntact(be: Backend, s: Slice): Promise<boolean> {
  const all = await be.read(s.buf);
  return [...all.subarray(0, PAD), ...all.subarray(PAD + s.length)].every((v) => v === SENTINEL);
}

/** Run one kernel on padded copies of `inputs` (name -> data), with args built from the slices; returns
 *  every slice's contents afterwards and whether all sentinels survived. */
export async function runPadded<K extends KernelName>(be: Backend, kernel: K, inputs: Record<string, Float32Array>,
  args: (s: Record<string, Slice>) => KernelArgs[K]): Promise<{ out: Record<string, Float32Array>; intact: boolean }> {
  const s: Record<string, Slice> = {};
  for (const [k, v] of Object.entries(inputs)) s[k] = padded(be, v, k);
  be.dispatch(kernel, args(s));
  const out: Record<string, Float32Array> = {};
  let intact = true;
  for (const [k, v] of Object.entries(s)) {
    out[k] = await be.read(v);
    intact &&= await sentinelsIntact(be, v);
  }
  return { out, intact };
}

/** The same kernel on the wasm kernels and on the TS twins. */
export async function wasmAndTwin<K extends KernelName>(kernel: K, inputs: Record<string, Float32Array>, args: (s: Record<string, Slice>) => KernelArgs[K]) {
  const be = new CpuBackend();
  // Node 20 has WebAssembly SIMD: without the kernels both sides would be the twin and every test would pass
  if (be.kernels !== 'wasm-simd') throw new Error(`the wasm kernels did not load (backend runs ${be.kernels})`);
  const wasm = await runPadded(be, kernel, inputs, args);
  const twin = await runPadded(new CpuBackend({ wasm: false }), kernel, inputs, args);
  return { wasm, twin };
}
