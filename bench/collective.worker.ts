// A rank that only runs collectives: the allreduce benchmark (bench/suites/allreduce.ts) starts N of these
// as real worker_threads wired by MessageChannels and times them. N = ranks, n = elements, S = 4n bytes. One typed comlink API.
import * as Comlink from 'comlink';
import { addInto, algorithms, chunkRange, Comm, PortTransport, ringAllreduceOwned, toPieces, type AlgorithmName, type OwnedPieces, type LinkModel, type PortLike } from '../src/engine/collectives';
import { parentEndpoint } from '../src/workers/port';

export interface MeasureSpec {
  /** An algorithm ('ring' = the zero-copy ring on owned pieces, as DDP uses it; 'ring-inplace' = the ring
   *  on a plain array, two chunk copies more), or 'limit': only the ring's reductions and copies
   *  (2(N-1)/N x S per rank), no messages. */
  mode: AlgorithmName | 'ring-inplace' | 'limit';
  n: number;
  /** Timed repeats (each after a barrier). */
  repeats: number;
  /** Ops per repeat, back to back, so tiny messages are timed over a loop rather than one call. */
  inner: number;
  codec?: 'f32' | 'f16';
  /** Override the piece size for this measurement (every rank gets the same spec). */
  pieceBytes?: number;
}

let comm: Comm | null = null;
let arrays: { n: number; x: Float32Array; recv: Float32Array; ps: OwnedPieces | null } | null = null;
let lastWaitMs = 0;
let lastBusyMs = 0;

const barrier = (c: Comm) => algorithms.tree.allreduce(c, new Float32Array(1));

const api = {
  /** Join the group: ports[k] talks to rank k (null at our own rank). */
  init(rank: number, ports: (PortLike | null)[], opts: { pieceBytes: number; timeoutMs: number; link: LinkModel | null }): void {
    comm = new Comm(new PortTransport(rank, ports, opts.link), opts);
  },

  /** For each repeat, [start, end] in epoch ms (comparable across workers): the caller takes the group's
   *  wall time, max(end) - min(start), since a rank the OS has not scheduled yet would start its own
   *  clock late. */
  async measure(spec: MeasureSpec): Promise<[number, number][]> {
    const c = comm;
    if (!c) throw new Error('collective worker: init() first');
    const N = c.size;
    if (spec.pieceBytes && spec.pieceBytes !== c.opts.pieceBytes) {
      c.opts.pieceBytes = spec.pieceBytes;
      if (arrays) arrays.ps = null; // the piece layout changed
    }
    // Arrays persist across calls of the same size, so no mode pays for page faults or GC of another's.
    if (arrays?.n !== spec.n) arrays = { n: spec.n, x: new Float32Array(spec.n), recv: new Float32Array(spec.n).fill(1), ps: null };
    const { x, recv } = arrays; // recv stands in for received chunks in 'limit'
    const out: [number, number][] = [];
    const epoch = () => performance.timeOrigin + performance.now();
    const busy0 = c.busyMs;
    const ps = spec.mode === 'ring' ? (arrays.ps ??= toPieces(c, x)) : [];
    for (let rep = 0; rep < spec.repeats; rep++) {
      x.fill(1); // keep values finite across repeats (untimed)
      ps.forEach((ch) => ch.forEach((p) => p.fill(1)));
      await barrier(c);
      const t0 = epoch();
      for (let k = 0; k < spec.inner; k++) {
        if (spec.mode === 'ring') {
          await ringAllreduceOwned(c, ps, spec.n);
          continue;
        }
        if (spec.mode !== 'limit') {
          await algorithms[spec.mode === 'ring-inplace' ? 'ring' : spec.mode].allreduce(c, x, { codec: spec.codec });
          continue;
        }
        // The ring's local work: N-1 chunk reductions (reduce-scatter) and N-1 chunk copies (all-gather).
        for (let s = 0; s < N - 1; s++) {
          const [a, b] = chunkRange(spec.n, N, (c.rank + s) % N);
          addInto(x.subarray(a, b), recv.subarray(a, b));
        }
        for (let s = 0; s < N - 1; s++) {
          const [a, b] = chunkRange(spec.n, N, (c.rank + s + 1) % N);
          x.subarray(a, b).set(recv.subarray(a, b));
        }
      }
      out.push([t0, epoch()]);
    }
    const recs = c.takeRecords().filter((r) => r.n === spec.n);
    lastWaitMs = recs.reduce((a, r) => a + r.waitMs, 0) / Math.max(1, recs.length);
    lastBusyMs = (c.busyMs - busy0) / Math.max(1, recs.length);
    return out;
  },

  /** Mean milliseconds per op spent blocked on peers, and working for the op, in the last measure(). */
  stats(): { waitMs: number; busyMs: number } {
    return { waitMs: lastWaitMs, busyMs: lastBusyMs };
  },

  /** Bytes this rank has sent on each outgoing link so far. */
  sent(): number[] {
    return comm ? comm.transport.sent.map((s) => s.bytes) : [];
  },

  close(): void {
    comm?.transport.close();
    comm = null;
  },
};

export type CollectiveWorkerApi = typeof api;
Comlink.expose(api, parentEndpoint());
