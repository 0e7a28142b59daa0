// Kernel plans for elementwise ops, transpose, reductions, optimizer updates and FP16 accumulation,
// and the full kernel table (KernelName -> plan). n = element count; R, N = rows and columns.
import type { KernelArgs, KernelName } from '../types';
import { F, R, W, cdiv, type Pass, type PlanContext } from './pass';
import { attentionBwdPlan, attentionFwdPlan, crossentropyPlan, embeddingBwdPlan, embeddingFwdPlan, geluPlan, layernormBwdPlan, layernormFwdPlan, matmulPlan } from './plans-nn';

const WG = 64;
const RED_P = 1024; // most partials of a reduction (see reduce.wgsl)

function elementwise(entry: string, binds: Pass['binds'], n: number, s = 0, rows = 0, groups = cdiv(n, WG)): Pass[] {
  if (groups === 0) return [];
  return [{ shader: 'elementwise', entry, constants: { WG }, wg: [WG, 1], binds, params: [n, F(s), rows], groups }];
}

function reduction(kernel: 'sumsq' | 'nonfinite', a: KernelArgs['sumsq'], ctx: PlanContext): Pass[] {
  // P partials of >= 16 values each, at most RED_P: the final pass is one invocation looping over P.
  const P = Math.max(1, Math.min(RED_P, Math.ceil(a.n / 16)));
  const part = ctx.scratch('reduce.partials', RED_P);
  const params = [a.n, P];
  return [
    { shader: 'reduce', entry: `${kernel}_partial`, constants: { WG }, wg: [WG, 1], binds: [null, R(a.x), W(part)], params, groups: cdiv(P, WG) },
    { shader: 'reduce', entry: kernel === 'sumsq' ? 'sum_final' : 'max_final', wg: [1, 1], binds: [W(a.out), null, R(part)], params, groups: 1 },
  ];
}

function optim(entry: 'adamw' | 'sgd' | 'ema', binds: Pass['binds'], n: number, words: number[], first = false): Pass[] {
  if (n === 0) return [];
  const [lr, beta1, beta2, eps, wd, bc1, bc2, momentum, decay] = words;
  const params = [n, F(lr), F(beta1), F(beta2), F(eps), F(wd), F(bc1), F(bc2), F(momentum), first ? 1 : 0, F(decay)];
  return [{ shader: 'optim', entry, constants: { WG }, wg: [WG, 1], binds, params, groups: cdiv(n, WG) }];
}

function f16(entry: 'f16_accumulate' | 'f16_unpack', words: KernelArgs['f16_unpack']['packed'], x: KernelArgs['f16_unpack']['out'], n: number, ctx: PlanContext): Pass[] {
  if (n === 0) return [];
  const binds = [W(words), entry === 'f16_accumulate' ? R(x) : W(x)];
  const shader = ctx.nativeF16 ? 'f16_native' : 'f16';
  return [{ shader, entry: ctx.nativeF16 ? `${entry}_native` : entry, constants: { WG }, wg: [WG, 1], binds, params: [n], groups: cdiv(Math.ceil(n / 2), WG) }];
}

/** Every kernel of types.ts as passes. */
export const plans: { [K in KernelName]: (a: KernelArgs[K], ctx: PlanContext) => Pass[] } = {
  matmul: matmulPlan,
  sum_rows: (a) => elementwise('sum_rows', [W(a.out), R(a.x), null], a.N, 0, a.R),
  transpose: (a) => {
    const n = a.R * a.N;
    if (n === 0) return [];
    return [{ shader: 'transpose', entry: 'transpose', constants: { WG }, wg: [WG, 1], binds: [W(a.out), R(a.x)], params: [a.R, a.N], groups: cdiv(n, WG) }];
  },
  layernorm_fwd: layernormFwdPlan,
  layernorm_bwd: layernormBwdPlan,
  gelu_fwd: (a) => geluPlan(true, a),
  gelu_bwd: (a) => geluPlan(false, a),
  attention_fwd: attentionFwdPlan,
  attention_bwd: attentionBwdPlan,
  embedding_fwd: embeddingFwdPlan,
  embedding_bwd: embeddingBwdPlan,
  crossentropy: crossentropyPlan,
  add: (a) => elementwise('add', [W(a.out), R(a.a), R(a.b)], a.n),
  add_inplace: (a) => elementwise('add_inplace', [W(a.acc), R(a.x), null], a.n),
  scale: (a) => elementwise('scale', [W(a.x), null, null], a.n, a.s),
  fill: (a) => elementwise('fill', [W(a.out), null, null], a.n, a.value),
  sumsq: (a, ctx) => reduction('sumsq', a, ctx),
  nonfinite: (a, ctx) => reduction('nonfinite', a, ctx),
  adamw: (a) => optim('adamw', [W(a.p), R(a.g), W(a.m), W(a.v)], a.n, [a.lr, a.beta1, a.beta2, a.eps, a.wd, a.bc1, a.bc2, 0, 0]),
  sgd: (a, ctx) => {
    const buf = a.momentum > 0 ? W(a.buf) : W(ctx.dummy); // buf is ignored without momentum
    return optim('sgd', [W(a.p), R(a.g), buf, null], a.n, [a.lr, 0, 0, 0, a.wd, 1, 1, a.momentum, 0], a.first);
  },
  ema: (a) => optim('ema', [W(a.ema), R(a.p), null, null], a.n, [0, 0, 0, 0, 0, 1, 1, 0, a.decay]),
  f16_accumulate: (a, ctx) => f16('f16_accumulate', a.acc, a.x, a.n, ctx),
  f16_unpack: (a, ctx) => f16('f16_unpack', a.packed, a.out, a.n, ctx),
};
