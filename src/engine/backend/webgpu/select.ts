// Pick kernel variants per adapter by timing them, not by guessing: the same WGSL is fastest as a tiled
// kernel on hardware GPUs and as a register-blocked one without workgroup memory on software adapters
// (SwiftShader runs barriers and workgroup memory on the CPU). One probe costs ~0.1-0.5 s on SwiftShader.
import { whole, type KernelArgs } from '../types';
import type { WebGpuBackend } from './backend';
import type { PlanContext } from './pass';

export interface Selection {
  matmul: PlanContext['matmul'];
  attention: PlanContext['attention'];
  /** Fastest ms per variant (and probe size), for the record. */
  ms: Record<string, number>;
}

/** The fastest of `reps` runs after a warm-up: the minimum is what the kernel costs; slower runs are
 *  interference from other work on the machine, which would make the choice random. */
async function timeIt(be: WebGpuBackend, run: () => void, reps: number): Promise<number> {
  run(); // compile + warm up
  await be.flush();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    await be.flush();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Time the matmul and attention-forward variants at training-like shapes and keep the fastest. Matmul is a
 *  two-round tournament: every variant at n = size, then those within 2x of the best at 2n (small
 *  shapes hide the difference between close variants; the slow ones are not worth timing at 2n). */
export async function selectVariants(be: WebGpuBackend, opts: { size?: number; reps?: number } = {}): Promise<Selection> {
  const n0 = opts.size ?? 128;
  const reps = opts.reps ?? 3;
  const before = be.variants;
  const ms: Record<string, number> = {};
  const matmulAt = async (n: number, variants: readonly PlanContext['matmul'][]): Promise<Record<string, number>> => {
    const a = be.alloc(n * n, 'probe.a'), b = be.alloc(n * n, 'probe.b'), out = be.alloc(n * n, 'probe.out');
    const mm: KernelArgs['matmul'] = { out: whole(out), a: whole(a), b: whole(b), M: n, N: n, K: n, transA: false, transB: true, accumulate: false };
    const r: Record<string, number> = {};
    for (const v of variants) {
      be.setVariants({ matmul: v });
      r[v] = ms[`matmul.${v}@${n}`] = await timeIt(be, () => be.dispatch('matmul', mm), reps);
    }
    for (const buf of [a, b, out]) be.free(buf);
    return r;
  };
  const fastest = (r: Record<string, number>) => Object.entries(r).sort((x, y) => x[1] - y[1])[0];
  const round1 = await matmulAt(n0, ['naive', 'rb', 'v4', 'tiled']);
  const close = (Object.keys(round1) as PlanContext['matmul'][]).filter((v) => round1[v] <= 2 * fastest(round1)[1]);
  const matmul = (close.length > 1 ? fastest(await matmulAt(2 * n0, close)) : fastest(round1))[0] as PlanContext['matmul'];
  const T = Math.min(n0, 128), C = 64, H = 4, B = 2;
  const qkv = be.alloc(B * T * 3 * C, 'probe.qkv');
  const att = be.alloc(B * T * C, 'probe.att');
  const lse = be.alloc(B * H * T, 'probe.lse');
  for (const v of ['row', 'tiled'] as const) {
    be.setVariants({ attention: v });
    ms[`attention.${v}`] = await timeIt(be, () => be.dispatch('attention_fwd', { out: whole(att), lse: whole(lse), qkv: whole(qkv), B, T, C, H }), reps);
  }
  for (const buf of [qkv, att, lse]) be.free(buf);
  const attention = ms['attention.tiled'] < ms['attention.row'] ? 'tiled' : 'row';
  be.setVariants({ ...before, matmul, attention });
  return { matmul, attention, ms };
}
