// The wasm path of each kernel that has one, as a table beside the CPU backend's table of TS twins.
// A path gets byte addresses of its slices (`at`; -1 for a slice outside the wasm heap) and returns
// false to decline, and then the backend runs the TS twin: when a slice lives outside the heap (the heap
// could not grow) or a size is degenerate. The choice depends only on the arguments, never on timing,
// so a run gives the same bits every time on the same machine.
// Every path checks sizes as its twin does: a wasm kernel would otherwise read or write other buffers.
import type { KernelArgs, KernelName, Slice } from '../backend/types';
import { need } from '../ops/check';
import type { WasmKernels } from './kernels';

/** Byte address of a slice's first element in the heap, or -1 when it lives elsewhere. */
export type At = (s: Slice) => number;

type Path<K extends KernelName> = (a: KernelArgs[K], at: At, w: WasmKernels) => boolean;

export const wasmPaths: { [K in KernelName]?: Path<K> } = {
  matmul: (a, at, w) => {
    const { M, N, K } = a;
    need('matmul', 'out', a.out, M * N);
    need('matmul', 'a', a.a, M * K);
    need('matmul', 'b', a.b, K * N);
    if (a.bias) need('matmul', 'bias', a.bias, N);
    if (M === 0 || N === 0 || K === 0) return false; // only the bias and accumulate rules are left: the twin does them
    const out = at(a.out), x = at(a.a), y = at(a.b), bias = a.bias ? at(a.bias) : 0;
    if (out < 0 || x < 0 || y < 0 || bias < 0) return false;
    const ws = w.scratch(w.matmulScratchBytes(N));
    if (ws === null) return false;
    w.matmul(out, x, y, bias, M, N, K, +a.transA, +a.transB, +a.accumulate, ws);
    return true;
  },
};
