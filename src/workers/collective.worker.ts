// A rank that only runs collectives: the allreduce benchmark starts N of these as real workers wired by
// MessageChannels and times them. N = ranks, n = elements, S = 4n bytes. One typed comlink API.
import * as Comlink from 'comlink';
import { addInto, algorithms, chunkRange, Comm, PortTransport, type AlgorithmName, type LinkModel, type PortLike } from '../engine/collectives';
import { parentEndpoint } from './port';

export interface MeasureSpec {
  /** An algorithm, or 'limit': only the ring's reductions and copies (2(N-1)/N x S per rank), no messages. */
  mode: AlgorithmName | 'limit';
  n: number;
  /** Timed repeats (each after a barrier). */
  repeats: number;
  /** Ops per repeat, back to back, so tiny messages are timed over a loop rather than one call. */
  inner: number;
  codec?: 'f32' | 'f16';
}

let comm: Comm | null = null;
let lastWaitMs = 0;

const barrier = (c: Comm) => algorithms.tree.allreduce(c, new Float32Array(1));

const api = {
  /** Join the group: ports[k] talks to rank k (null at our own rank). */
  init(rank: number, ports: (PortLike | null)[], opts: { pieceBytes: number; timeoutMs: number; link: LinkModel | null }): void {
    comm = new Comm(new PortTransport(rank, ports, opts.link), opts);
  },

  /** Milliseconds per op for each repeat, measured on this rank. */
  async measure(spec: MeasureSpec): Promise<number[]> {
    const c = comm;
    if (!c) throw new Error('collective worker: init() first');
    const N = c.size;
    const x = new Float32Array(spec.n);
    const recv = new Float32Array(spec.n).fill(1); // stands in for received chunks in 'limit'
    const out: number[] = [];
    for (let rep = 0; rep < spec.repeats; rep++) {
      x.fill(1); // keep values finite across repeats (untimed)
      await barrier(c);
      const t0 = performance.now();
      for (let k = 0; k < spec.inner; k++) {
        if (spec.mode !== 'limit') {
          await algorithms[spec.mode].allreduce(c, x, { codec: spec.codec });
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
      out.push((performance.now() - t0) / spec.inner);
    }
    const recs = c.takeRecords().filter((r) => r.n === spec.n);
    lastWaitMs = recs.reduce((a, r) => a + r.waitMs, 0) / Math.max(1, recs.length);
    return out;
  },

  /** Mean milliseconds per op spent blocked on peers in the last measure(). */
  waitMs(): number {
    return lastWaitMs;
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
