// The WebAssembly SIMD kernels of the CPU backend, instantiated once per thread over one shared heap.
// Sources are WebAssembly text next to this file (*.wat, one kernel family per file), compiled to binary
// when imported (scripts/wat.mjs: a Vite plugin, and the Node module hook). Where WebAssembly or its
// SIMD is missing, `wasmKernels()` is null and the CPU backend runs the plain-TS twins in src/engine/ops.
// Instantiated synchronously on first use, because a backend is constructed synchronously and a
// top-level await would delay a worker's message listener past the first messages (they would be lost).
// Browsers refuse synchronous compiles over 4 KB on the main thread only; every module here stays below
// that (tests/unit/wasm-heap.test.ts checks), so the main thread gets the kernels too.
import matmulWasm from './matmul.wat';
import attentionWasm from './attention.wat';
import geluWasm from './gelu.wat';
import layernormWasm from './layernorm.wat';
import optimWasm from './optim.wat';
import mathWasm from './math.wat';
import reduceRowsWasm from './reduce_rows.wat';
import crossentropyWasm from './crossentropy.wat';
import { Heap } from './heap';

/** Byte addresses in the heap; every size in elements. */
export interface WasmKernels {
  readonly heap: Heap;
  /** The address of a scratch block of at least `bytes` bytes (reused across calls; never an operand),
   *  or null when the memory cannot grow. */
  scratch(bytes: number): number | null;
  /** Bytes of scratch matmul needs for N columns. */
  matmulScratchBytes(N: number): number;
  /** See KernelArgs['matmul']; bias = 0 for none, M, N, K >= 1, ws from scratch(matmulScratchBytes(N)). */
  matmul(out: number, a: number, b: number, bias: number, M: number, N: number, K: number,
    transA: number, transB: number, accumulate: number, ws: number): void;
  /** Bytes of scratch attention needs for T, hs = C/H and B*H*T rows. */
  attentionScratchBytes(T: number, hs: number, BHT: number): number;
  /** KernelArgs['attention_fwd'], except that lse gets each row's max and the scratch's last B*H*T
   *  floats each row's sum of exponentials (lse = max + log(sum) is the caller's). scale = 1/sqrt(hs). */
  attentionFwd(out: number, lse: number, qkv: number, B: number, T: number, C: number, H: number, scale: number, ws: number): void;
  /** KernelArgs['attention_bwd']. */
  attentionBwd(dqkv: number, dout: number, qkv: number, out: number, lse: number, B: number, T: number, C: number, H: number, scale: number, ws: number): void;
  /** KernelArgs['gelu_fwd']; ws = 16 bytes of scratch. */
  geluFwd(out: number, x: number, n: number, ws: number): void;
  /** KernelArgs['gelu_bwd']; ws = 32 bytes of scratch. */
  geluBwd(dx: number, dout: number, x: number, n: number, ws: number): void;
  /** KernelArgs['layernorm_fwd']. */
  layernormFwd(out: number, mean: number, rstd: number, x: number, w: number, b: number, R: number, C: number, eps: number): void;
  /** KernelArgs['layernorm_bwd']. */
  layernormBwd(dx: number, dw: number, db: number, dout: number, x: number, w: number, mean: number, rstd: number, R: number, C: number): void;
  /** Per row of logits[R, V]: maxs[r] = its max, sums[r] = sum of exp(logit - max). R, V >= 1. */
  ceStats(logits: number, maxs: number, sums: number, R: number, V: number): void;
  /** dlogits = (exp(logits - lse[r]) - onehot(targets[r])) * scale, targets already checked. */
  ceGrad(dlogits: number, logits: number, lse: number, targets: number, R: number, V: number, scale: number): void;
  /** KernelArgs['sum_rows']; R, N >= 1. */
  sumRows(out: number, x: number, R: number, N: number): void;
  /** KernelArgs['adamw'], with c1 = 1 - beta1 and c2 = 1 - beta2 given; ws = 64 bytes of scratch. */
  adamw(p: number, g: number, m: number, v: number, n: number, lr: number, b1: number, c1: number, b2: number, c2: number,
    eps: number, wd: number, bc1: number, bc2: number, ws: number): void;
}

/** Whether this engine runs WebAssembly with fixed-width SIMD (validating a SIMD module tells). */
export function hasWasmSimd(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' && WebAssembly.validate(matmulWasm);
}

/** Bytes of every kernel module (the 4 KB check in the tests). */
export const wasmModules: Record<string, Uint8Array> = {
  math: mathWasm, matmul: matmulWasm, attention: attentionWasm, gelu: geluWasm, layernorm: layernormWasm, optim: optimWasm, reduceRows: reduceRowsWasm,
  crossentropy: crossentropyWasm,
};

function load(): WasmKernels | null {
  if (!hasWasmSimd()) return null;
  const memory = new WebAssembly.Memory({ initial: 16 }); // 1 MiB to start; the heap grows it
  const heap = new Heap(memory);
  const imports: WebAssembly.Imports = { env: { mem: memory } };
  const instantiate = (bytes: Uint8Array<ArrayBuffer>) => new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
  imports.math = instantiate(mathWasm); // exp4, called by attention, gelu and crossentropy
  const mm = instantiate(matmulWasm) as unknown as { matmul: WasmKernels['matmul']; matmul_scratch_bytes: WasmKernels['matmulScratchBytes'] };
  const att = instantiate(attentionWasm) as unknown as {
    attention_scratch_bytes: WasmKernels['attentionScratchBytes']; attention_fwd: WasmKernels['attentionFwd']; attention_bwd: WasmKernels['attentionBwd'];
  };
  const gelu = instantiate(geluWasm) as unknown as { gelu_fwd: WasmKernels['geluFwd']; gelu_bwd: WasmKernels['geluBwd'] };
  const ln = instantiate(layernormWasm) as unknown as { layernorm_fwd: WasmKernels['layernormFwd']; layernorm_bwd: WasmKernels['layernormBwd'] };
  const optim = instantiate(optimWasm) as unknown as { adamw: WasmKernels['adamw'] };
  const rows = instantiate(reduceRowsWasm) as unknown as { sum_rows: WasmKernels['sumRows'] };
  const ce = instantiate(crossentropyWasm) as unknown as { ce_stats: WasmKernels['ceStats']; ce_grad: WasmKernels['ceGrad'] };
  let scratchAddr = 0;
  let scratchBytes = 0;
  return {
    heap,
    scratch(bytes) {
      if (bytes <= scratchBytes) return scratchAddr;
      if (scratchBytes) heap.release(scratchAddr, scratchBytes);
      const size = Math.max(bytes, scratchBytes * 2);
      const addr = heap.alloc(size);
      if (addr === null) {
        scratchBytes = 0;
        return null;
      }
      scratchAddr = addr;
      scratchBytes = size;
      return addr;
    },
    matmulScratchBytes: mm.matmul_scratch_bytes,
    matmul: mm.matmul,
    attentionScratchBytes: att.attention_scratch_bytes,
    attentionFwd: att.attention_fwd,
    attentionBwd: att.attention_bwd,
    geluFwd: gelu.gelu_fwd,
    geluBwd: gelu.gelu_bwd,
    layernormFwd: ln.layernorm_fwd,
    layernormBwd: ln.layernorm_bwd,
    adamw: optim.adamw,
    sumRows: rows.sum_rows,
    ceStats: ce.ce_stats,
    ceGrad: ce.ce_grad,
  };
}

let kernels: WasmKernels | null | undefined;

/** This thread's kernels (instantiated on the first call), or null without WebAssembly SIMD. */
export function wasmKernels(): WasmKernels | null {
  if (kernels === undefined) kernels = load();
  return kernels;
}
