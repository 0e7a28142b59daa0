// Kernel checks inside Chromium: our WebGPU matmul (every variant and transpose) and attention
// (forward variants, backward; scalar and vec4 kernels) against the CPU backend on the same inputs, in the page. Writes a JSON
// report of max normalised errors (<= 1 = within tolerance) into #result for tests/browser/kernels.spec.ts.
// Also starts cpu-wasm.worker.ts: the CPU backend's WebAssembly kernels in a Web Worker of the built bundle.
// M, N, K matmul dims; B, T, C, H as in src/engine/backend/types.ts.
import { CpuBackend } from '../../../src/engine/backend/cpu';
import type { Backend, KernelArgs, KernelName, Slice } from '../../../src/engine/backend/types';
import { WebGpuBackend } from '../../../src/engine/backend/webgpu/backend';
import { openDevice } from '../../../src/engine/backend/webgpu/device';
import { Rng } from '../../../src/engine/rng';

type Arrays = Record<string, Float32Array>;

async function runOn<K extends KernelName>(be: Backend, kernel: K, arrays: Arrays, args: (s: Record<string, Slice>) => KernelArgs[K], pad: number): Promise<Arrays> {
  const s: Record<string, Slice> = {};
  for (const [k, v] of Object.entries(arrays)) {
    // Offsets inside the buffer exercise element offsets in uniforms; 37 (odd) forces the scalar kernels,
    // 36 (a multiple of 4) lets the vec4 ones run.
    const buf = be.alloc(v.length + 40, k);
    be.write(buf, v, pad);
    s[k] = { buf, offset: pad, length: v.length };
  }
  be.dispatch(kernel, args(s));
  const out: Arrays = {};
  for (const k of Object.keys(arrays)) out[k] = await be.read(s[k]);
  for (const k of Object.keys(arrays)) be.free(s[k].buf);
  return out;
}

/** max |got - want| / (atol + rtol |want|) over one named output. */
function err(got: Float32Array, want: Float32Array, atol: number, rtol: number): number {
  let w = 0;
  for (let i = 0; i < got.length; i++) {
    if (got[i] === want[i]) continue;
    const q = Math.abs(got[i] - want[i]) / (atol + rtol * Math.abs(want[i]));
    w = Number.isNaN(q) ? Infinity : Math.max(w, q);
  }
  return w;
}

const randn = (n: number, seed: number) => new Rng(seed).fillNormal(new Float32Array(n), 1);

async function main(): Promise<Record<string, number | string>> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const gpu = new WebGpuBackend(await openDevice(adapter));
  const cpu = new CpuBackend();
  const report: Record<string, number | string> = { adapter: `${adapter.info.vendor} ${adapter.info.architecture}` };
  const both = async <K extends KernelName>(k: K, a: Arrays, f: (s: Record<string, Slice>) => KernelArgs[K], pad = 37) => ({ g: await runOn(gpu, k, a, f, pad), c: await runOn(cpu, k, a, f, pad) });
  // Same tolerances as tests/gpu: a few f32 ulps per summed term (the two sides sum in different orders).
  for (const variant of ['naive', 'rb', 'v4', 'tiled'] as const) {
    gpu.setVariants({ matmul: variant });
    for (const [M, N, K] of [[64, 64, 64], [37, 70, 29], [96, 128, 256]]) {
      for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
        const r = await both('matmul', { out: randn(M * N, 1), a: randn(M * K, 2), b: randn(K * N, 3), bias: randn(N, 4) },
          (s) => ({ out: s.out, a: s.a, b: s.b, bias: s.bias, M, N, K, transA: tA, transB: tB, accumulate: true }), variant === 'v4' ? 36 : 37);
        report[`matmul ${variant} ${M}x${N}x${K} ${tA ? 't' : 'n'}${tB ? 't' : 'n'}`] = err(r.g.out, r.c.out, 2e-6 * K + 1e-6, 1e-5);
      }
    }
  }
  for (const [B, T, C, H] of [[2, 17, 24, 3], [1, 70, 40, 2], [2, 64, 64, 4]]) {
    const qkv = randn(B * T * 3 * C, 5);
    for (const [variant, pad] of [['row', 37], ['tiled', 37], ['row', 36], ['tiled', 36]] as const) {
      gpu.setVariants({ attention: variant });
      const tag = `${variant}${pad === 36 ? ' vec4' : ''} B${B} T${T} C${C} H${H}`;
      const f = await both('attention_fwd', { out: new Float32Array(B * T * C), lse: new Float32Array(B * H * T), qkv }, (s) => ({ out: s.out, lse: s.lse, qkv: s.qkv, B, T, C, H }), pad);
      report[`attention_fwd ${tag}`] = Math.max(err(f.g.out, f.c.out, 2e-5, 1e-4), err(f.g.lse, f.c.lse, 2e-5, 1e-4));
      if (variant === 'row') {
        const b = await both('attention_bwd', { dqkv: new Float32Array(B * T * 3 * C), dout: randn(B * T * C, 6), qkv, out: f.c.out, lse: f.c.lse },
          (s) => ({ dqkv: s.dqkv, dout: s.dout, qkv: s.qkv, out: s.out, lse: s.lse, B, T, C, H }), pad);
        report[`attention_bwd ${tag}`] = err(b.g.dqkv, b.c.dqkv, 2e-6 * T + 1e-5, 1e-4);
      }
    }
  }
  gpu.destroy();
  return report;
}

/** The CPU backend's wasm kernels in a Web Worker (cpu-wasm.worker.ts): its report, keys prefixed. */
async function cpuWorker(): Promise<Record<string, number | string>> {
  const worker = new Worker(new URL('./cpu-wasm.worker.ts', import.meta.url), { type: 'module' });
  const r = await new Promise<Record<string, number | string>>((resolve) => {
    worker.onmessage = (e: MessageEvent<Record<string, number | string>>) => resolve(e.data);
    worker.onerror = (e) => resolve({ error: e.message });
  });
  worker.terminate();
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [`cpu worker ${k}`, v]));
}

Promise.all([main(), cpuWorker()]).then(([a, b]) => ({ ...a, ...b })).then(
  (r) => (document.getElementById('result')!.textContent = JSON.stringify(r)),
  (e: Error) => (document.getElementById('result')!.textContent = JSON.stringify({ error: e.message })),
);
