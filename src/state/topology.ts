// What the topology view draws, as data: which links the allreduce uses, how busy each link was in the
// latest step, and the transfers of that step, phase by phase, to replay (geometry.ts places the devices).
// Transfer times come from the step's measured timeline: each device's span for each gradient bucket is
// split evenly into the algorithm's steps (ring: N-1 reduce-scatter steps, then N-1 all-gather steps,
// each sending one chunk to the right-hand neighbour; naive: everyone to device 0, then device 0 to
// everyone; tree: up a binomial tree to device 0, then down it). Within a bucket the split is even
// because the engine times buckets, not single messages. With ZeRO-1 a bucket is only reduce-scattered
// and the weights are all-gathered inside the update span. Pure: no DOM.
// Legend: N = devices, r = rank, chunk c = 1/N of a bucket; ms since the step began; bytes.
import type { RunConfig } from '../engine/config';
import type { StepMetrics } from '../run/metrics';

export type Algorithm = RunConfig['allreduce'];
export type Phase = 'reduce-scatter' | 'all-gather' | 'reduce' | 'broadcast';

export interface Transfer {
  from: number;
  to: number;
  t0: number;
  t1: number;
  phase: Phase;
  /** Gradient bucket (-1: the weights' all-gather of ZeRO-1). */
  bucket: number;
  /** Which 1/N chunk travels (ring), null when the whole bucket does. */
  chunk: number | null;
  bytes: number;
  /** This transfer's step within its phase (1-based), and the phase's step count. */
  stepNo: number;
  stepsInPhase: number;
}

export interface Link { from: number; to: number }

const lowbit = (r: number) => r & -r;
/** Binomial-tree parent of r (device 0 is the root). */
export const treeParent = (r: number): number => r - lowbit(r);

interface Send { from: number; to: number; chunk: number | null }
/** One step of a bucket's collective: who sends to whom, and its number within its phase. */
export interface BucketStep { phase: Phase; stepNo: number; stepsInPhase: number; sends: Send[] }

/** A phase's steps (the sends of each), numbered within it. */
const phaseOf = (phase: Phase, steps: Send[][]): BucketStep[] =>
  steps.map((sends, i) => ({ phase, stepNo: i + 1, stepsInPhase: steps.length, sends }));

/** The steps one bucket takes: who sends to whom in each, and which chunk (null: the whole bucket). */
export function bucketSteps(alg: Algorithm, N: number, zero: boolean): BucketStep[] {
  if (N < 2) return [];
  if (alg === 'ring') {
    // step s sends chunk r-s-1 (reduce-scatter) or r-s (all-gather) from each device r to its right
    const around = (shift: number) => Array.from({ length: N - 1 }, (_, s) =>
      Array.from({ length: N }, (_, r) => ({ from: r, to: (r + 1) % N, chunk: (((r - s - shift) % N) + N) % N })));
    const rs = phaseOf('reduce-scatter', around(1));
    return zero ? rs : [...rs, ...phaseOf('all-gather', around(0))];
  }
  const ranks = Array.from({ length: N - 1 }, (_, i) => i + 1);
  // naive: everyone to device 0 in one step; tree: one step per level of the binomial tree
  const up = alg === 'naive'
    ? [ranks.map((r) => ({ from: r, to: 0, chunk: null }))]
    : Array.from({ length: Math.ceil(Math.log2(N)) }, (_, l) =>
      ranks.filter((r) => lowbit(r) === 1 << l).map((r) => ({ from: r, to: treeParent(r), chunk: null })));
  const down = [...up].reverse().map((sends) => sends.map((x) => ({ from: x.to, to: x.from, chunk: null })));
  return zero ? phaseOf('reduce', up) : [...phaseOf('reduce', up), ...phaseOf('broadcast', down)];
}

/** The directed links an algorithm sends on, for N devices, in the order of its first use. */
export function patternLinks(alg: Algorithm, N: number): Link[] {
  const links = new Map<string, Link>();
  for (const st of bucketSteps(alg, N, false)) for (const { from, to } of st.sends) links.set(`${from}-${to}`, { from, to });
  return [...links.values()];
}

/** The transfers of one step, in time order, from its timeline (empty for one device). */
export function transfersOf(m: Pick<StepMetrics, 'timeline'>, cfg: Pick<RunConfig, 'allreduce' | 'zero'>): Transfer[] {
  const N = m.timeline.length;
  const zero = cfg.zero === 1;
  const steps = bucketSteps(cfg.allreduce, N, zero);
  if (!steps.length) return [];
  // span[r][bucket] = [t0, t1] of that device's bucket
  const span = m.timeline.map((ev) => new Map(ev.filter((e) => e.kind === 'bucket').map((e) => [e.bucket ?? 0, [e.t0, e.t1, e.bytes ?? 0] as const])));
  const out: Transfer[] = [];
  const buckets = [...new Set(span.flatMap((s) => [...s.keys()]))].sort((a, b) => a - b);
  for (const b of buckets) {
    steps.forEach((st, i) => {
      for (const s of st.sends) {
        const sp = span[s.from].get(b);
        if (!sp) continue;
        const [a, e, bytes] = sp;
        const dt = (e - a) / steps.length;
        out.push({ ...s, phase: st.phase, stepNo: st.stepNo, stepsInPhase: st.stepsInPhase, bucket: b, t0: a + i * dt, t1: a + (i + 1) * dt, bytes: s.chunk === null ? bytes : bytes / N });
      }
    });
  }
  if (zero) {
    // the weights' all-gather: inside each device's update span, the same steps in reverse direction
    const gather = bucketSteps(cfg.allreduce, N, false).slice(steps.length);
    m.timeline.forEach((ev, r) => {
      const u = ev.find((e) => e.kind === 'update');
      if (!u) return;
      const dt = (u.t1 - u.t0) / Math.max(1, gather.length);
      gather.forEach((st, i) => st.sends.filter((s) => s.from === r).forEach((s) => out.push({ ...s, stepNo: st.stepNo, stepsInPhase: st.stepsInPhase, phase: 'all-gather', bucket: -1, t0: u.t0 + i * dt, t1: u.t0 + (i + 1) * dt, bytes: 0 })));
    });
  }
  return out.sort((x, y) => x.t0 - y.t0);
}

export interface LinkLoad extends Link {
  bytes: number;
  /** bytes / step time, in bytes per second. */
  rate: number;
  /** Share of the simulated link's bandwidth used over the step (null: unlimited link). */
  utilisation: number | null;
}

/** Bytes and rate of every link with traffic in the step (bytesPerLink[from][to]). */
export function linkLoads(m: Pick<StepMetrics, 'bytesPerLink' | 'msStep'>, linkBwGBps: number): LinkLoad[] {
  const out: LinkLoad[] = [];
  m.bytesPerLink.forEach((row, from) => row.forEach((bytes, to) => {
    if (from === to || !bytes) return;
    const rate = m.msStep > 0 ? (bytes * 1000) / m.msStep : 0;
    out.push({ from, to, bytes, rate, utilisation: linkBwGBps > 0 ? rate / (linkBwGBps * 1e9) : null });
  }));
  return out;
}

/** The part of a step the replay shows: the communication, from a little before the first transfer to
 *  a little after the last (a lead of 10% of that span on each side, within the step); the whole step
 *  when nothing was sent. Compute before it is what the timeline chart shows. */
export function replayWindow(transfers: Transfer[], msStep: number): { t0: number; t1: number } {
  if (!transfers.length) return { t0: 0, t1: Math.max(msStep, 1e-3) };
  const a = Math.min(...transfers.map((x) => x.t0)), b = Math.max(...transfers.map((x) => x.t1));
  const lead = 0.1 * Math.max(b - a, 1e-3);
  return { t0: Math.max(0, a - lead), t1: Math.min(Math.max(msStep, b), b + lead) };
}

/** Where a transfer's dot is at time t (0..1 along its link), or null outside its time. */
export const progressAt = (x: Transfer, t: number): number | null => (t < x.t0 || t > x.t1 ? null : x.t1 > x.t0 ? (t - x.t0) / (x.t1 - x.t0) : 1);
