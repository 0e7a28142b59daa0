// A Web Worker of the kernel-check page: the CPU backend's WebAssembly kernels must load in a browser worker
// of the built bundle (the page's devices train in such workers). Posts which kernels the backend runs and
// max normalised errors of the wasm matmul and attention against the TS twins in the same worker.
import { CpuBackend } from '../../../src/engine/backend/cpu';
import type { Backend, Slice } from '../../../src/engine/backend/types';
import { Rng } from '../../../src/engine/rng';

const randn = (n: number, seed: number) => new Rng(seed).fillNormal(new Float32Array(n), 1);

function put(be: Backend, data: Float32Array): Slice {
  const buf = be.alloc(data.length);
  be.write(buf, data);
  return { buf, offset: 0, length: data.length };
}

/** max |got - want| / (atol + rtol |want|). */
function err(got: Float32Array, want: Float32Array, atol: number, rtol: number): number {
  let w = 0;
  for (let i = 0; i < got.length; i++) {
    const q = Math.abs(got[i] - want[i]) / (atol + rtol * Math.abs(want[i]));
    w = Number.isNaN(q) ? Infinity : Math.max(w, q);
  }
  return w;
}

async function check(): Promise<Record<string, number | string>> {
  const wasm = new CpuBackend(), twin = new CpuBackend({ wasm: false });
  const M = 37, N = 70, K = 29, a = randn(M * K, 1), b = randn(N * K, 2), bias = randn(N, 3);
  const mm = async (be: Backend) => {
    const out = put(be, new Float32Array(M * N));
    be.dispatch('matmul', { out, a: put(be, a), b: put(be, b), bias: put(be, bias), M, N, K, transA: false, transB: true, accumulate: false });
    return be.read(out);
  };
  const B = 2, T = 17, C = 24, H = 3, qkv = randn(B * T * 3 * C, 4);
  const att = async (be: Backend) => {
    const out = put(be, new Float32Array(B * T * C)), lse = put(be, new Float32Array(B * H * T));
    be.dispatch('attention_fwd', { out, lse, qkv: put(be, qkv), B, T, C, H });
    return be.read(out);
  };
  // f32 sums of K (or T) terms against f64 ones: a few ulps per term (tests/unit/wasm-*.test.ts argue it)
  return {
    kernels: wasm.kernels,
    matmul: err(await mm(wasm), await mm(twin), 2e-6 * K, 1e-5),
    attention: err(await att(wasm), await att(twin), 2e-6 * T, 1e-5),
  };
}

check().then((r) => postMessage(r), (e: Error) => postMessage({ error: e.message }));
