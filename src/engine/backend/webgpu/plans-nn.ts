// Kernel plans for the model's layers: matmul, attention, LayerNorm, GELU, embeddings, cross-entropy.
// Each turns KernelArgs into passes (see pass.ts); the backend has checked the slices' sizes (sizes.ts).
// Legend: M,N,K matmul dims; B,T,C,H,V as types.ts.
import type { KernelArgs, Slice } from '../types';
import { F, R, W, cdiv, type Pass, type PlanContext } from './pass';
import { AdapterLimitError } from './limit-error';

const WG = 64;
const ATT_TILE = 32; // query/key rows per workgroup of attention_fwd_tiled: 2 x 32 x 64 f32 = 16 KiB
const MAX_HS = 128; // private arrays in attention.wgsl
const TILE_HS = 64;

export function matmulPlan(a: KernelArgs['matmul'], ctx: PlanContext): Pass[] {
  const { M, N, K, transA, transB } = a;
  if (M === 0 || N === 0) return [];
  const strides = [transA ? 1 : K, transA ? M : 1, transB ? 1 : N, transB ? K : 1];
  const flags = (a.accumulate ? 1 : 0) | (a.bias ? 2 : 0);
  const base = { shader: 'matmul' as const, binds: [W(a.out), R(a.a), R(a.b), R(a.bias ?? ctx.dummy)], params: [M, N, K, ...strides, flags] };
  const v4 = vec4Entry(a);
  switch (ctx.matmul) {
    case 'v4':
    case 'rb':
      // 'v4' on shapes whose vec4 dimensions or offsets are not multiples of 4 uses the scalar kernel.
      if (v4 && ctx.matmul === 'v4') return [{ ...base, entry: v4, constants: { WG_X: 8, WG_Y: 8 }, wg: [8, 8], groups: [cdiv(N, 32), cdiv(M, 32)] }];
      return [{ ...base, entry: 'matmul_rb', constants: { WG_X: 8, WG_Y: 8 }, wg: [8, 8], groups: [cdiv(N, 32), cdiv(M, 32)] }];
    case 'naive':
      return [{ ...base, entry: 'matmul_naive', constants: { WG_X: 8, WG_Y: 8 }, wg: [8, 8], groups: [cdiv(N, 8), cdiv(M, 8)] }];
    case 'tiled':
      return [{ ...base, entry: 'matmul_tiled', wg: [16, 16], wgMem: 8192, groups: [cdiv(N, 64), cdiv(M, 64)] }];
  }
}

/** The vec4 kernel for this call, or null when its vec4 dimensions or offsets are not multiples of 4. */
function vec4Entry(a: KernelArgs['matmul']): string | null {
  const { M, N, K, transA, transB } = a;
  if (a.a.offset % 4 || a.b.offset % 4) return null;
  if (!transA && !transB) return K % 4 || N % 4 ? null : 'matmul_v4_nn';
  if (!transA && transB) return K % 4 ? null : 'matmul_v4_nt';
  if (transA && !transB) return M % 4 || N % 4 ? null : 'matmul_v4_tn';
  return null;
}

function headSize(kernel: string, C: number, H: number): number {
  if (!(H > 0 && C % H === 0)) throw new RangeError(`${kernel}: C=${C} is not a multiple of H=${H}`);
  const hs = C / H;
  if (hs > MAX_HS) throw new AdapterLimitError(`${kernel}: head size ${hs} exceeds the ${MAX_HS} the WGSL kernels hold in registers`);
  return hs;
}

/** attention_v4.wgsl when the head size and every slice offset are multiples of 4, else attention.wgsl. */
const attentionShader = (hs: number, slices: Slice[], ctx: PlanContext) =>
  ctx.vec4 && hs % 4 === 0 && slices.every((s) => s.offset % 4 === 0) ? ('attention_v4' as const) : ('attention' as const);

export function attentionFwdPlan(a: KernelArgs['attention_fwd'], ctx: PlanContext): Pass[] {
  const { B, T, C, H } = a;
  const hs = headSize('attention_fwd', C, H);
  if (B * T === 0) return [];
  const binds = [W(a.out), W(a.lse), R(a.qkv), null, null, null];
  const params = [B, T, C, H, hs, F(1 / Math.sqrt(hs))];
  const shader = attentionShader(hs, [a.out, a.qkv], ctx);
  if (ctx.attention === 'tiled' && hs <= TILE_HS) {
    return [{ shader, entry: 'attention_fwd_tiled', constants: { WG: ATT_TILE }, wg: [ATT_TILE, 1], wgMem: 2 * ATT_TILE * TILE_HS * 4, binds, params, groups: [cdiv(T, ATT_TILE), B * H] }];
  }
  return [{ shader, entry: 'attention_fwd_row', constants: { WG }, wg: [WG, 1], binds, params, groups: cdiv(B * H * T, WG) }];
}

export function attentionBwdPlan(a: KernelArgs['attention_bwd'], ctx: PlanContext): Pass[] {
  const { B, T, C, H } = a;
  const hs = headSize('attention_bwd', C, H);
  if (B * T === 0) return [];
  const d = ctx.scratch('attention.D', B * H * T); // D_i = dout_i . out_i, written by bwd_dq, read by bwd_dkv
  const params = [B, T, C, H, hs, F(1 / Math.sqrt(hs))];
  const groups = cdiv(B * H * T, WG);
  const shader = attentionShader(hs, [a.out, a.qkv, a.dout, a.dqkv], ctx);
  return [
    { shader, entry: 'attention_bwd_dq', constants: { WG }, wg: [WG, 1], binds: [R(a.out), R(a.lse), R(a.qkv), R(a.dout), W(a.dqkv), W(d)], params, groups },
    { shader, entry: 'attention_bwd_dkv', constants: { WG }, wg: [WG, 1], binds: [null, R(a.lse), R(a.qkv), R(a.dout), W(a.dqkv), R(d)], params, groups },
  ];
}

export function layernormFwdPlan(a: KernelArgs['layernorm_fwd']): Pass[] {
  const { R: rows, C } = a;
  if (rows === 0) return [];
  const binds = [W(a.out), W(a.mean), W(a.rstd), R(a.x), R(a.w), R(a.b), null, null];
  return [{ shader: 'layernorm', entry: 'layernorm_fwd', constants: { WG }, wg: [WG, 1], binds, params: [rows, C, F(a.eps)], groups: cdiv(rows, WG) }];
}

export function layernormBwdPlan(a: KernelArgs['layernorm_bwd']): Pass[] {
  const { R: rows, C } = a;
  if (rows === 0 || C === 0) return [];
  const params = [rows, C, F(0)];
  return [
    { shader: 'layernorm', entry: 'layernorm_bwd_dx', constants: { WG }, wg: [WG, 1], binds: [W(a.dx), R(a.mean), R(a.rstd), R(a.x), R(a.w), null, R(a.dout), null], params, groups: cdiv(rows, WG) },
    { shader: 'layernorm', entry: 'layernorm_bwd_dwdb', constants: { WG }, wg: [WG, 1], binds: [null, R(a.mean), R(a.rstd), R(a.x), null, W(a.db), R(a.dout), W(a.dw)], params, groups: [cdiv(C, WG), 1] },
  ];
}

export function geluPlan(fwd: boolean, a: KernelArgs['gelu_fwd'] | KernelArgs['gelu_bwd']): Pass[] {
  const kernel = fwd ? 'gelu_fwd' : 'gelu_bwd';
  const out = 'out' in a ? a.out : a.dx;
  if (a.n === 0) return [];
  const binds = [W(out), R(a.x), 'dout' in a ? R(a.dout) : null];
  return [{ shader: 'gelu', entry: kernel, constants: { WG }, wg: [WG, 1], binds, params: [a.n], groups: cdiv(a.n, WG) }];
}

export function embeddingFwdPlan(a: KernelArgs['embedding_fwd']): Pass[] {
  const { B, T, C } = a;
  if (B * T * C === 0) return [];
  const binds = [W(a.out), R(a.ids), R(a.wte), R(a.wpe), null];
  return [{ shader: 'embedding', entry: 'embedding_fwd', constants: { WG }, wg: [WG, 1], binds, params: [B, T, C, Math.floor(a.wte.length / C)], groups: cdiv(B * T * C, WG) }];
}

export function embeddingBwdPlan(a: KernelArgs['embedding_bwd']): Pass[] {
  const { B, T, C, V } = a;
  if (B * T * C === 0) return [];
  const params = [B, T, C, V];
  return [
    { shader: 'embedding', entry: 'embedding_bwd_wte', constants: { WG }, wg: [WG, 1], binds: [null, R(a.ids), W(a.dwte), null, R(a.dout)], params, groups: cdiv(V * C, WG) },
    { shader: 'embedding', entry: 'embedding_bwd_wpe', constants: { WG }, wg: [WG, 1], binds: [null, null, null, W(a.dwpe), R(a.dout)], params, groups: cdiv(T * C, WG) },
  ];
}

export function crossentropyPlan(a: KernelArgs['crossentropy']): Pass[] {
  const { R: rows, V } = a;
  if (rows === 0) return [];
  const binds = [W(a.losses), W(a.dlogits), R(a.logits), R(a.targets)];
  return [{ shader: 'crossentropy', entry: 'crossentropy', constants: { WG }, wg: [WG, 1], binds, params: [rows, V, F(a.gradScale)], groups: cdiv(rows, WG) }];
}
