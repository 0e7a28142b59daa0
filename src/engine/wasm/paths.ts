// The wasm path of each kernel that has one, as a table beside the CPU backend's table of TS twins.
// A path gets byte addresses of its slices (`at`; -1 for a slice outside the wasm heap) and returns
// false to decline, and then the backend runs the TS twin: when a slice lives outside the heap (the heap
// could not grow) or a size is degenerate. The choice depends only on the arguments, never on timing,
// so a run gives the same bits every time on the same machine.
// The backend has checked every slice's size (backend/sizes.ts) before a path runs: a wasm kernel past a
// slice would read or write other buffers.
import type { KernelArgs, KernelName, Slice } from '../backend/types';
import { headSize } from '../ops/attention';
import type { WasmKernels } from './kernels';

/** Byte address of a slice's first element in the heap, or -1 when it lives elsewhere. */
export type At = (s: Slice) => number;

type Path<K extends KernelName> = (a: KernelArgs[K], at: At, w: WasmKernels) => boolean;

export const wasmPaths: { [K in KernelName]?: Path<K> } = {
  gelu_fwd: (a, at, w) => {
    const out = at(a.out), x = at(a.x), ws = w.scratch(32);
    if (out < 0 || x < 0 || ws === null || a.n === 0) return false;
    w.geluFwd(out, x, a.n, ws);
    return true;
  },
  gelu_bwd: (a, at, w) => {
    const dx = at(a.dx), dout = at(a.dout), x = at(a.x), ws = w.scratch(32);
    if (dx < 0 || dout < 0 || x < 0 || ws === null || a.n === 0) return false;
    w.geluBwd(dx, dout, x, a.n, ws);
    return true;
  },
  matmul: (a, at, w) => {
    const { M, N, K } = a;
    if (M === 0 || N === 0 || K === 0) return false; // only the bias and accumulate rules are left: the twin does them
    const out = at(a.out), x = at(a.a), y = at(a.b), bias = a.bias ? at(a.bias) : 0;
    if (out < 0 || x < 0 || y < 0 || bias < 0) return false;
    const ws = w.scratch(w.matmulScratchBytes(N));
    if (ws === null) return false;
    w.matmul(out, x, y, bias, M, N, K, +a.transA, +a.transB, +a.accumulate, ws);
    return true;
  },
  layernorm_fwd: (a, at, w) => {
    const { R, C } = a;
    const ptrs = [a.out, a.mean, a.rstd, a.x, a.w, a.b].map(at);
    if (R === 0 || C === 0 || ptrs.some((x) => x < 0)) return false;
    const [out, mean, rstd, x, wt, b] = ptrs;
    w.layernormFwd(out, mean, rstd, x, wt, b, R, C, a.eps);
    return true;
  },
  layernorm_bwd: (a, at, w) => {
    const { R, C } = a;
    const ptrs = [a.dx, a.dw, a.db, a.dout, a.x, a.w, a.mean, a.rstd].map(at);
    if (R === 0 || C === 0 || ptrs.some((x) => x < 0)) return false;
    const [dx, dw, db, dout, x, wt, mean, rstd] = ptrs;
    w.layernormBwd(dx, dw, db, dout, x, wt, mean, rstd, R, C);
    return true;
  },
  crossentropy: (a, at, w) => {
    const { R, V } = a;
    const ptrs = [a.losses, a.dlogits, a.logits, a.targets].map(at), ws = w.scratch(8 * R);
    if (R === 0 || V === 0 || ws === null || ptrs.some((x) => x < 0)) return false;
    const [losses, dlogits, logits, targets] = ptrs;
    const f = w.heap.f32, t0 = targets / 4, l0 = logits / 4, m0 = ws / 4, s0 = m0 + R;
    for (let r = 0; r < R; r++) {
      const y = f[t0 + r];
      if (!(Number.isInteger(y) && y >= 0 && y < V)) throw new RangeError(`crossentropy: target ${y} at row ${r} is outside [0, ${V})`);
    }
    w.ceStats(logits, ws, ws + 4 * R, R, V);
    // lse = max + log(sum) and the loss in f64 (wasm has no log), rounded once on store; lse stays for ce_grad
    for (let r = 0; r < R; r++) {
      const lse = f[m0 + r] + Math.log(f[s0 + r]);
      f[losses / 4 + r] = lse - f[l0 + r * V + f[t0 + r]];
      f[m0 + r] = lse;
    }
    w.ceGrad(dlogits, logits, ws, targets, R, V, a.gradScale);
    return true;
  },
  sum_rows: (a, at, w) => {
    const out = at(a.out), x = at(a.x);
    if (a.R === 0 || a.N === 0 || out < 0 || x < 0) return false;
    w.sumRows(out, x, a.R, a.N);
    return true;
  },
  adamw: (a, at, w) => {
    const ptrs = [a.p, a.g, a.m, a.v].map(at), ws = w.scratch(64);
    if (a.n === 0 || ws === null || ptrs.some((x) => x < 0)) return false;
    const [p, g, m, v] = ptrs;
    w.adamw(p, g, m, v, a.n, a.lr, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.eps, a.wd, a.bc1, a.bc2, ws);
    return true;
  },
  attention_fwd: (a, at, w) => {
    const { B, T, C, H } = a;
    const hs = headSize('attention_fwd', C, H);
    if (B * T === 0) return false;
    const out = at(a.out), lse = at(a.lse), qkv = at(a.qkv);
    if (out < 0 || lse < 0 || qkv < 0) return false;
    const rows = B * H * T;
    const bytes = w.attentionScratchBytes(T, hs, rows);
    const ws = w.scratch(bytes);
    if (ws === null) return false;
    w.attentionFwd(out, lse, qkv, B, T, C, H, Math.fround(1 / Math.sqrt(hs)), ws);
    // lse = max + log(sum): wasm has no log; B*H*T calls of Math.log, in f64, rounded once on store
    const f32 = w.heap.f32, l0 = lse / 4, s0 = (ws + bytes) / 4 - rows;
    for (let i = 0; i < rows; i++) f32[l0 + i] = f32[l0 + i] + Math.log(f32[s0 + i]);
    return true;
  },
  attention_bwd: (a, at, w) => {
    const { B, T, C, H } = a;
    const hs = headSize('attention_bwd', C, H);
    if (B * T === 0) return false;
    const dqkv = at(a.dqkv), dout = at(a.dout), qkv = at(a.qkv), out = at(a.out), lse = at(a.lse);
    if (dqkv < 0 || dout < 0 || qkv < 0 || out < 0 || lse < 0) return false;
    const ws = w.scratch(w.attentionScratchBytes(T, hs, B * H * T));
    if (ws === null) return false;
    w.attentionBwd(dqkv, dout, qkv, out, lse, B, T, C, H, Math.fround(1 / Math.sqrt(hs)), ws);
    return true;
  },
};
