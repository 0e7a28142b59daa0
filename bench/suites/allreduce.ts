// Allreduce on N real worker_threads exchanging over MessageChannels: algbw = S / t, busbw = algbw x
// 2(N-1)/N (nccl-tests). The peer is this machine's limit: the same ranks doing only the ring's
// reductions and copies (2(N-1)/N x S per rank) with no messages. A transferred buffer is not copied, so
// on one machine the reduction is what costs. N = devices, S = bytes per rank.
// `--quick`: fewer sizes and repeats; `--devices 2,8` and `--piece-kb K` for a targeted sweep. `--dist`: also end-to-end training on N = 1, 2, 4 devices and the
// cost model's predictions against it (bench/dist.ts).
import * as Comlink from 'comlink';
import { machine, median, ratio, type BenchCase, type Suite, type Timing } from '../lib';
import { localPorts, reduceKernel } from '../../src/engine/collectives';
import { spawnNodeWorker } from '../../src/workers/node-spawn';
import type { CollectiveWorkerApi, MeasureSpec } from '../collective.worker';

const MB = 1 << 20;
const fmt = (b: number) => (b >= MB ? `${b / MB}MB` : `${b / 1024}KB`);

/** N ranks as workers, fully wired. */
async function startGroup(N: number, pieceBytes: number) {
  const handles = Array.from({ length: N }, (_, r) => spawnNodeWorker(new URL('../collective.worker.ts', import.meta.url), `rank ${r}`));
  const apis = handles.map((h) => Comlink.wrap<CollectiveWorkerApi>(h.endpoint));
  const ports = localPorts(N);
  await Promise.all(apis.map((a, r) => {
    const transfer = ports[r].filter((p) => p !== null) as unknown as Transferable[];
    return a.init(r, Comlink.transfer(ports[r], transfer) as never, { pieceBytes, timeoutMs: 60_000, link: null });
  }));
  return {
    apis,
    /** Per repeat, the group's wall time per op: from the first rank's start to the last rank's end. */
    async measure(spec: MeasureSpec): Promise<number[]> {
      const per = await Promise.all(apis.map((a) => a.measure(spec)));
      return per[0].map((_, i) => (Math.max(...per.map((p) => p[i][1])) - Math.min(...per.map((p) => p[i][0]))) / spec.inner);
    },
    async stop() {
      await Promise.all(apis.map((a) => a.close()));
      await Promise.all(handles.map((h) => h.terminate()));
    },
  };
}

const timing = (ms: number[]): Timing => ({ median_ms: median(ms), min_ms: Math.min(...ms), runs: ms.length });

/** Time several modes in alternating rounds, so a machine whose load drifts treats them alike. Each mode
 *  first runs untimed (nccl-tests runs 5 warm-up iterations by default): the first ops of a size fill the
 *  buffer pool, compile the ring's code paths and fault in pages, which no later op pays. */
async function compare(g: Awaited<ReturnType<typeof startGroup>>, modes: MeasureSpec['mode'][], base: Omit<MeasureSpec, 'mode'>, rounds: number): Promise<Timing[]> {
  for (const mode of modes) await g.measure({ ...base, mode, repeats: 2 });
  const ms: number[][] = modes.map(() => []);
  for (let k = 0; k < rounds; k++) for (let i = 0; i < modes.length; i++) ms[i].push(...(await g.measure({ ...base, mode: modes[i] })));
  return ms.map(timing);
}

const bw = (t: Timing, S: number, N: number): Timing => {
  const algbw = S / (t.median_ms / 1000) / 1e9;
  return { ...t, algbw_GBps: algbw, busbw_GBps: (algbw * 2 * (N - 1)) / N };
};

/** Ring time (ms) = a_N + b_N x S, through the 4 KB and 16 MB measurements of each N. */
function fitComm(cases: BenchCase[]): (N: number, S: number) => number {
  const at = (N: number, S: number) => cases.find((c) => c.name === `ring N=${N} ${fmt(S)}`)!.ours.median_ms;
  return (N, S) => {
    const [small, big] = [at(N, 4 * 1024), at(N, 16 * MB)];
    const b = (big - small) / (16 * MB - 4 * 1024);
    return small + b * (S - 4 * 1024);
  };
}

/** `npm run bench` runs node with --single-threaded-gc: V8's GC helper threads would take cores from the
 *  N ranks (every received buffer is new external memory to V8, so GCs are frequent). */
const gc = process.execArgv.includes('--single-threaded-gc') ? 'single-threaded' : 'default';

const suite: Suite = async ({ quick, args }) => {
  const sizes = (quick ? [4 * 1024, MB, 16 * MB] : [4 * 1024, 64 * 1024, MB, 4 * MB, 16 * MB, 64 * MB]);
  const argOf = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const devices = argOf('--devices')?.split(',').map(Number) ?? [2, 4, 8];
  const pieceBytes = argOf('--piece-kb') !== undefined ? Number(argOf('--piece-kb')) * 1024 : MB;
  const cases: BenchCase[] = [];
  for (const N of devices) {
    const g = await startGroup(N, pieceBytes);
    for (const S of sizes) {
      const n = S / 4;
      const repeats = quick ? 3 : 4;
      const rounds = quick ? 2 : S >= 16 * MB ? 3 : 4;
      const inner = Math.max(1, Math.min(50, Math.round(MB / S)));
      const vsNaive = N >= 4 && S >= MB;
      const vsInplace = N === 4 && S === 16 * MB;
      const modes: MeasureSpec['mode'][] = ['ring', 'limit', ...(vsNaive ? ['naive' as const] : []), ...(vsInplace ? ['ring-inplace' as const] : [])];
      const [ring, limit, ...rest] = await compare(g, modes, { n, repeats, inner }, rounds);
      const ours = bw(ring, S, N);
      const params = { devices: N, bytes: S, algorithm: 'ring', kernel: reduceKernel(), piece_bytes: pieceBytes, backend: 'cpu', gc };
      cases.push({ name: `ring N=${N} ${fmt(S)}`, params, ours, peer: { name: 'limit (reductions+copies only)', ...bw(limit, S, N) }, ratio: ratio(ours, limit) });
      if (vsNaive) {
        const naive = bw(rest.shift()!, S, N);
        cases.push({ name: `ring vs naive N=${N} ${fmt(S)}`, params: { ...params, versus: 'naive' }, ours, peer: { name: 'naive allreduce', ...naive }, ratio: ratio(ours, naive) });
      }
      if (vsInplace) {
        const inplace = bw(rest.shift()!, S, N);
        cases.push({ name: `ring vs in-place ring N=${N} ${fmt(S)}`, params: { ...params, versus: 'ring-inplace' }, ours, peer: { name: 'ring on a plain array (2 more chunk copies)', ...inplace }, ratio: ratio(ours, inplace) });
      }
      if (!quick || S === 16 * MB) process.stderr.write(`  ${cases[cases.length - 1].name}: ring ${ours.median_ms.toFixed(2)} ms\n`);
    }
    await g.stop();
  }
  if (args.includes('--dist')) {
    const { distCases } = await import('../dist');
    cases.push(...(await distCases(quick, fitComm(cases))));
  }
  return { suite: 'allreduce', machine: machine(), cases };
};

export default suite;
