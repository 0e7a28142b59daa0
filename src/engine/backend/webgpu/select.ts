// Pick kernel variants per adapter by timing them, not by guessing: the same WGSL is fastest as a tiled
// kernel on hardware GPUs and as a register-blocked one without workgroup memory on software adapters
// (SwiftShader runs barriers and workgroup memory on the CPU). One probe costs ~0.1-0.5 s on SwiftShader.
import type { KernelArgs } from '../types';
import type { WebGpuBackend } from './backend';
import type { PlanContext } from './pass';

export interface Selection {
  matmul: PlanContext['matmul'];
  attention: PlanContext['attention'];
  /** Median ms per variant, for the record. */
  ms: Record<string, number>;
}

async function timeIt(be: WebGpuBackend, run: () => void, reps: number): Promise<number> {
  run(); // compile + warm up
  await be.flush();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    await be.flush();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1];
}

/** Time every matmul and attention-forward variant at a small training-like shape and keep the fastest. */
export async function selectVariants(be: WebGpuBackend, opts: { size?: number; reps?: number } = {}): Promise<Selection> {
  const n = opts.size ?? 128;
  const reps = opts.reps ?? 3;
  const before = be.variants;
  const ms: Record<string, number> = {};
  const a = be.alloc(n * n, 'probe.a');
  const b = be.alloc(n * n, 'probe.b');
  const out = be.alloc(n * n, 'probe.out');
  const mm: KernelArgs['matmul'] = { out: whole(out), a: whole(a), b: whole(b), M: n, N: n, K: n, transA: false, transB: true, accumulate: false };
  for (const v of ['naive', 'rb', 'v4', 'tiled'] as const) {
    be.setVariants({ matmul: v });
    ms[`matmul.${v}`] = await timeIt(be, () => be.dispatch('matmul', mm), reps);
  }
  const T = Math.min(n, 128), C = 64, H = 4, B = 2;
  const qkv = be.alloc(B * T * 3 * C, 'probe.qkv');
  const att = be.alloc(B * T * C, 'probe.att');
  const lse = be.alloc(B * H * T, 'probe.lse');
  for (const v of ['row', 'tiled'] as const) {
    be.setVariants({ attention: v });
    ms[`attention.${v}`] = await timeIt(be, () => be.dispatch('attention_fwd', { out: whole(att), lse: whole(lse), qkv: whole(qkv), B, T, C, H }), reps);
  }
  for (const buf of [a, b, out, qkv, att, lse]) be.free(buf);
  const best = <T extends string>(names: readonly T[], fam: string): T => names.reduce((x, y) => (ms[`${fam}.${y}`] < ms[`${fam}.${x}`] ? y : x));
  const sel: Selection = { matmul: best(['naive', 'rb', 'v4', 'tiled'] as const, 'matmul'), attention: best(['row', 'tiled'] as const, 'attention'), ms };
  be.setVariants({ ...before, matmul: sel.matmul, attention: sel.attention });
  return sel;
}

const whole = (buf: { id: number; length: number; label: string }) => ({ buf, offset: 0, length: buf.length });
