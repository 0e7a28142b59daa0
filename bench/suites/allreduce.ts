// Allreduce on N real worker_threads exchanging over MessageChannels: algbw = S / t, busbw = algbw x
// 2(N-1)/N (nccl-tests). The peer is this machine's limit: the same ranks doing only the ring's
// reductions and copies (2(N-1)/N x S per rank) with no messages. A transferred buffer is not copied, so
// on one machine the reduction is what costs. N = devices, S = bytes per rank.
// `--quick`: fewer sizes and repeats.
import * as Comlink from 'comlink';
import { machine, median, ratio, type BenchCase, type Suite, type Timing } from '../lib';
import { reduceKernel } from '../../src/engine/collectives';
import { meshPorts, portsFor } from '../../src/workers/mesh';
import { spawnNodeWorker } from '../../src/workers/node-spawn';
import type { CollectiveWorkerApi, MeasureSpec } from '../../src/workers/collective.worker';

const MB = 1 << 20;
const fmt = (b: number) => (b >= MB ? `${b / MB}MB` : `${b / 1024}KB`);

/** N ranks as workers, fully wired. */
async function startGroup(N: number, pieceBytes: number) {
  const handles = Array.from({ length: N }, (_, r) => spawnNodeWorker(new URL('../../src/workers/collective.worker.ts', import.meta.url), `rank ${r}`));
  const apis = handles.map((h) => Comlink.wrap<CollectiveWorkerApi>(h.endpoint));
  const ports = meshPorts(N);
  await Promise.all(apis.map((a, r) => {
    const { row, transfer } = portsFor(ports, r);
    return a.init(r, Comlink.transfer(row, transfer) as never, { pieceBytes, timeoutMs: 60_000, link: null });
  }));
  return {
    apis,
    /** Per repeat, the slowest rank's ms per op; summarised as a Timing. */
    async measure(spec: MeasureSpec): Promise<Timing> {
      const per = await Promise.all(apis.map((a) => a.measure(spec)));
      const ms = per[0].map((_, i) => Math.max(...per.map((p) => p[i])));
      return { median_ms: median(ms), min_ms: Math.min(...ms), runs: ms.length };
    },
    async stop() {
      await Promise.all(apis.map((a) => a.close()));
      await Promise.all(handles.map((h) => h.terminate()));
    },
  };
}

const bw = (t: Timing, S: number, N: number): Timing => {
  const algbw = S / (t.median_ms / 1000) / 1e9;
  return { ...t, algbw_GBps: algbw, busbw_GBps: (algbw * 2 * (N - 1)) / N };
};

const suite: Suite = async ({ quick, args }) => {
  const sizes = (quick ? [4 * 1024, MB, 16 * MB] : [4 * 1024, 64 * 1024, MB, 4 * MB, 16 * MB, 64 * MB]);
  const devices = [2, 4, 8];
  const pieceArg = args.indexOf('--piece-kb');
  const pieceBytes = pieceArg >= 0 ? Number(args[pieceArg + 1]) * 1024 : MB;
  const cases: BenchCase[] = [];
  for (const N of devices) {
    const g = await startGroup(N, pieceBytes);
    for (const S of sizes) {
      const n = S / 4;
      const repeats = quick ? 5 : S >= 16 * MB ? 7 : 11;
      const inner = Math.max(1, Math.min(50, Math.round(MB / S)));
      const ours = bw(await g.measure({ mode: 'ring', n, repeats, inner }), S, N);
      const limit = await g.measure({ mode: 'limit', n, repeats, inner });
      const params = { devices: N, bytes: S, algorithm: 'ring', kernel: reduceKernel(), piece_bytes: pieceBytes, backend: 'cpu' };
      cases.push({ name: `ring N=${N} ${fmt(S)}`, params, ours, peer: { name: 'limit (reductions+copies only)', ...limit }, ratio: ratio(ours, limit) });
      if (N >= 4 && S >= MB) {
        const naive = bw(await g.measure({ mode: 'naive', n, repeats, inner }), S, N);
        cases.push({ name: `ring vs naive N=${N} ${fmt(S)}`, params: { ...params, versus: 'naive' }, ours, peer: { name: 'naive allreduce', ...naive }, ratio: ratio(ours, naive) });
      }
      if (!quick || S === 16 * MB) process.stderr.write(`  ${cases[cases.length - 1].name}: ring ${ours.median_ms.toFixed(2)} ms\n`);
    }
    await g.stop();
  }
  return { suite: 'allreduce', machine: machine(), cases };
};

export default suite;
