// End-to-end data-parallel training on N = 1, 2, 4 worker devices (the real runtime), its comm share,
// and a small cost model validated against it, in the manner of ASTRA-sim's validation tables.
// Cost model of one step (ms), fitted on this machine:
//   compute = (w G T + F / rate) / min(N, k)       F = 6 P G T + 12 L G T^2 C  (forward + backward FLOPs)
//             w = cost per token beyond FLOPs (memory-bound ops: LayerNorm, softmax, embedding, copies),
//             k = cores actually available to the run (2 on an idle machine; less when shared)
//   comm    = sum over buckets of a_N + b_N S_b    (ring allreduce fitted from the allreduce sweep:
//             a_N = latency term, 1 / b_N = algbw at large sizes)
//   link    = sum over buckets of 2(N-1) (lat + S_b / (N bw))  (the simulated interconnect's delays)
// rate and w come from the N = 1 runs of two model sizes (small and large sweep), k from the large N = 2
// run; a_N, b_N from the allreduce sweep at 4 KB and 16 MB. Every other row is a prediction.
// Legend: N = devices, P = parameters, G = global batch, T = blockSize, L = layers, C = channels, S = bytes.
import { cpus } from 'node:os';
import { parseConfig, type RunConfigInput } from '../src/engine/config';
import { planBuckets } from '../src/engine/dist/buckets';
import { modelConfigOf } from '../src/engine/config';
import { numParams, paramSpecs } from '../src/engine/model/params';
import { loadData } from '../src/cli/data';
import { Coordinator } from '../src/workers/coordinator';
import { mergeReports } from '../src/run/metrics';
import { spawnNodeWorker } from '../src/workers/node-spawn';
import { median, type BenchCase } from './lib';

/** Ring allreduce time (ms) for S bytes on N ranks, fitted from the sweep. */
export type CommFit = (N: number, S: number) => number;

interface Run { name: string; over: RunConfigInput }

const spawn = (r: number) => spawnNodeWorker(new URL('../src/workers/device.worker.ts', import.meta.url), `device ${r}`);

/** Step ms (min and median after one warm-up step) and comm share of every config. The configs are
 *  stepped round-robin (all coordinators alive, idle workers cost nothing), so a machine whose load
 *  drifts slows them alike; the fastest step is the least disturbed one, so the model is fitted and
 *  checked on min, and the median is reported beside it. */
async function measureAll(runs: Run[], steps: number) {
  const data = loadData('brown');
  const dd = { train: data.train, val: data.val, vocabSize: data.tokenizer.vocabSize };
  const cs: Coordinator[] = [];
  try {
    for (const r of runs) cs.push(await Coordinator.start({ cfg: parseConfig({ evalEvery: 0, warmup: 0, steps: 1000, ...r.over }), data: dd, spawn }));
    for (const c of cs) await c.step(); // warm-up
    const ms: number[][] = runs.map(() => []), share: number[][] = runs.map(() => []);
    for (let s = 0; s < steps; s++) {
      process.stderr.write(`  dist round ${s + 1}/${steps}\n`);
      for (let i = 0; i < cs.length; i++) {
        const t0 = performance.now();
        const reports = await cs[i].step();
        const m = mergeReports(reports, { cfg: cs[i].o.cfg, msStep: performance.now() - t0, tokens: 0, epoch: 0, backend: 'cpu' });
        ms[i].push(m.msStep);
        share[i].push(m.commShare);
      }
    }
    return runs.map((run, i) => ({ run, cfg: cs[i].o.cfg, V: dd.vocabSize, ms: Math.min(...ms[i]), median: median(ms[i]), share: median(share[i]) }));
  } finally {
    await Promise.all(cs.map((c) => c.close()));
  }
}

const flops = (cfg: ReturnType<typeof parseConfig>, P: number) => {
  const G = cfg.devices * cfg.microBatch * cfg.accum, T = cfg.blockSize;
  return 6 * P * G * T + 12 * cfg.nLayer * G * T * T * cfg.nEmbd;
};

/** The end-to-end cases with measured and predicted step times. */
export async function distCases(quick: boolean, comm: CommFit): Promise<BenchCase[]> {
  const cores = cpus().length;
  const steps = quick ? 4 : 8;
  const small: RunConfigInput = { nLayer: 1, nEmbd: 32, nHead: 2, blockSize: 32 };
  const large: RunConfigInput = { nLayer: 2, nEmbd: 64, nHead: 4, blockSize: 64 };
  const G = 16;
  const runs: Run[] = [];
  for (const [size, model] of [['small', small], ['large', large]] as const) {
    for (const N of [1, 2, 4]) runs.push({ name: `train ${size} N=${N}`, over: { ...model, devices: N, microBatch: G / N } });
  }
  runs.push({ name: 'train large N=4 link 20MB/s 5ms', over: { ...large, devices: 4, microBatch: G / 4, linkBw: 0.02, linkLatency: 5 } });
  runs.push({ name: 'train large N=2 accum 2 link 20MB/s 5ms', over: { ...large, devices: 2, microBatch: G / 4, accum: 2, linkBw: 0.02, linkLatency: 5 } });

  type Result = Awaited<ReturnType<typeof measureAll>>[number];
  const results: Result[] = await measureAll(runs, steps);
  // Fit ms = w tok + F / rate on the two N = 1 runs (exact through both points; tok = G T).
  const ones = results.filter((x) => x.cfg.devices === 1);
  const F = ones.map((x) => flops(x.cfg, numParams(modelConfigOf(x.cfg, x.V))));
  const tok = ones.map((x) => x.cfg.microBatch * x.cfg.accum * x.cfg.blockSize);
  const inv = (F[1] * tok[0] - F[0] * tok[1]) / (ones[1].ms * tok[0] - ones[0].ms * tok[1]); // FLOPs per ms
  const rate = inv > 0 ? inv : Infinity;
  const w = (ones[0].ms - F[0] / rate) / tok[0];
  const commOf = (x: Result) => {
    const mc = modelConfigOf(x.cfg, x.V), N = x.cfg.devices;
    const buckets = planBuckets(paramSpecs(mc), x.cfg.bucketMb * 2 ** 20).buckets.map((b) => (b.hi - b.lo) * 4);
    const commMs = N > 1 ? buckets.reduce((a, S) => a + comm(N, S), 0) : 0;
    const bw = (x.cfg.linkBw * 1e9) / 1000; // bytes per ms
    const link = N > 1 ? buckets.reduce((a, S) => a + 2 * (N - 1) * (x.cfg.linkLatency + (bw > 0 ? S / N / bw : 0)), 0) : 0;
    return commMs + link;
  };
  const work = (x: Result) => w * x.cfg.devices * x.cfg.microBatch * x.cfg.accum * x.cfg.blockSize + flops(x.cfg, numParams(modelConfigOf(x.cfg, x.V))) / rate;
  const two = results.find((x) => x.run.name === 'train large N=2')!;
  const k = Math.min(cores, Math.max(1, work(two) / (two.ms - commOf(two))));

  const out: BenchCase[] = results.map((x) => {
    const { cfg } = x;
    const N = cfg.devices;
    const P = numParams(modelConfigOf(cfg, x.V));
    const predicted = work(x) / Math.min(N, k) + commOf(x);
    const fitted = N === 1 ? 'rate, w' : x === two ? 'k' : 'no';
    const tokens = N * cfg.microBatch * cfg.accum * cfg.blockSize;
    return {
      name: x.run.name,
      params: { devices: N, micro_batch: cfg.microBatch, accum: cfg.accum, params: P, link_bw_GBps: cfg.linkBw, link_latency_ms: cfg.linkLatency, backend: 'cpu', fitted: fitted },
      ours: { median_ms: x.median, min_ms: x.ms, runs: steps, tokens_per_s: (tokens * 1000) / x.median, comm_share: x.share, predicted_ms: predicted, error_pct: (100 * (predicted - x.ms)) / x.ms },
      peer: null,
      ratio: null,
    };
  });
  const rows = out.map((c) => [c.name, c.ours.min_ms.toFixed(1), (c.ours.predicted_ms as number).toFixed(1), `${(c.ours.error_pct as number).toFixed(1)}%`, Math.round(c.ours.tokens_per_s as number), `${(100 * (c.ours.comm_share as number)).toFixed(1)}%`]);
  rows.forEach((r, i) => r.push(String(out[i].params.fitted)));
  const head = ['config', 'measured ms (min)', 'predicted ms', 'error', 'tokens/s', 'comm share', 'fitted here'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  process.stderr.write(`cost model (rate ${(rate / 1e6).toFixed(3)} GFLOP/s per core, w ${(w * 1000).toFixed(1)} us per token, k ${k.toFixed(2)} cores)\n${[head, ...rows].map((r) => r.map((v, i) => String(v).padEnd(width[i])).join('  ')).join('\n')}\n`);
  return out;
}
