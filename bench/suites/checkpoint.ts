// `npm run bench -- checkpoint [--quick] [--dir DIR] [--no-idb]`: saving and loading a full training state
// (weights, AdamW m and v) through the disk store, against this machine's limit measured in the same run:
// the same number of bytes written raw with fs (open, write, fsync, close) and read raw (readFile). Then
// the same through the IndexedDB store in headless Chromium (bench/browser/idb/page.ts), against one raw
// put and get of the same bytes there.
// Ours on top of that: SHA-256 of every tensor, encoding, a second small file (the manifest), two
// renames and three directory fsyncs per save; decoding, hash and finiteness checks per load.
// ratio = limit / ours: 1 would mean checkpoints cost nothing beyond the bytes.
// Legend: L = layers, C = channels, T = blockSize, V = vocabulary (83, Brown's), P = parameters;
// bytes = 3P x 4 (weights, m, v) plus the header.
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, median, ratio, type BenchCase, type BenchOptions, type BenchReport, type Timing } from '../lib';
import { casesOf, inPage } from '../browser/run';
import type { Row } from '../browser/page';
import { DATA_FILE, DiskCheckpointStore } from '../../src/cli/checkpoint-disk';
import { fileFromParts, hashTokens, toParts } from '../../src/engine/checkpoint';
import { parseConfig, type RunConfig } from '../../src/engine/config';
import { BENCH_VOCAB, randomState } from '../checkpoint-state';

async function rawWrite(file: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Time fns in alternating rounds (so load drift on a shared machine hits them alike). */
async function alternate(fns: (() => Promise<unknown>)[], rounds: number): Promise<Timing[]> {
  const ms: number[][] = fns.map(() => []);
  for (const f of fns) await f(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < fns.length; i++) {
      const t0 = performance.now();
      await fns[i]();
      ms[i].push(performance.now() - t0);
    }
  }
  return ms.map((m) => ({ median_ms: median(m), min_ms: Math.min(...m), runs: m.length }));
}

const rate = (t: Timing, bytes: number): Timing => ({ ...t, MB_per_s: bytes / 2 ** 20 / (t.median_ms / 1000) });

async function measure(config: RunConfig, dir: string, quick: boolean): Promise<BenchCase[]> {
  const state = randomState(config, await hashTokens(new Uint16Array([1, 2, 3])));
  const P = state.params.length;
  const run = mkdtempSync(join(dir, 'ringlab-bench-ckpt-'));
  try {
    const store = new DiskCheckpointStore(run);
    const bytes = (await fileFromParts(await toParts(state))).length;
    const raw = join(run, 'raw.bin');
    const blob = new Uint8Array(bytes).fill(7);
    let step = 1;
    // Each save is a new step (keep 3, as a training run does), so pruning is part of the cost.
    const save = async () => {
      state.step = step++;
      await store.save(await toParts(state), { keep: 3 });
    };
    const rounds = quick ? 3 : P > 1e6 ? 8 : 20;
    const [ours, limit] = await alternate([save, () => rawWrite(raw, blob)], rounds);
    const id = (await store.latest())!.id;
    const [oursLoad, limitLoad] = await alternate([() => store.load(id), () => readFile(join(store.root, id, DATA_FILE))], rounds);
    const params = { backend: 'cpu', store: 'disk', L: config.nLayer, C: config.nEmbd, T: config.blockSize, V: BENCH_VOCAB, params: P, optimizer: 'adamw', bytes, dir };
    const name = `L${config.nLayer} C${config.nEmbd} (${(P / 1e6).toFixed(2)}M params, ${(bytes / 2 ** 20).toFixed(1)} MB)`;
    const w = rate(ours, bytes), wl = rate(limit, bytes), r = rate(oursLoad, bytes), rl = rate(limitLoad, bytes);
    return [
      { name: `save ${name}`, params: { ...params, op: 'save' }, ours: w, peer: { name: 'limit: fs write + fsync of the same bytes', ...wl }, ratio: ratio(w, wl) },
      { name: `load ${name}`, params: { ...params, op: 'load' }, ours: r, peer: { name: 'limit: fs readFile of the same bytes', ...rl }, ratio: ratio(r, rl) },
    ];
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
}

export default async function run(opts: BenchOptions): Promise<BenchReport> {
  if (opts.backend !== 'cpu') throw new Error('bench checkpoint: checkpoints are host-side (--backend cpu)');
  const d = opts.args.indexOf('--dir');
  const dir = d >= 0 ? opts.args[d + 1] : tmpdir();
  const inputs = opts.quick ? [{}] : [{}, { nLayer: 4, nEmbd: 256 }];
  const cases: BenchCase[] = [];
  const report = (n: number) => {
    for (const x of cases.slice(-n)) process.stderr.write(`  ${x.name}: ${x.ours.median_ms.toFixed(2)} ms vs ${x.peer!.median_ms.toFixed(2)} ms\n`);
  };
  for (const input of inputs) {
    cases.push(...(await measure(parseConfig(input), dir, opts.quick)));
    report(2);
  }
  if (!opts.args.includes('--no-idb')) {
    const idb = await inPage(join(import.meta.dirname, '..', 'browser', 'idb'), async (page) => {
      const rows: Row[] = [];
      for (const input of inputs) {
        const r = await page.evaluate(([i, q]) => window.ringlabIdbBench.checkpoint(i, { quick: q }), [input, opts.quick] as const);
        rows.push(...r.rows);
      }
      return rows;
    });
    // same columns as the disk cases: MB/s instead of the page's first-call time
    const plain = ({ median_ms, min_ms, runs }: Timing, bytes: number) => rate({ median_ms, min_ms, runs }, bytes);
    cases.push(...casesOf(idb, () => null).map((c) => ({ ...c, name: c.name.split(' vs ')[0], ours: plain(c.ours, Number(c.params.bytes)), peer: c.peer && { ...plain(c.peer, Number(c.params.bytes)), name: c.peer.name } })));
    report(idb.length);
  }
  return { suite: 'checkpoint', machine: machine(), cases };
}
