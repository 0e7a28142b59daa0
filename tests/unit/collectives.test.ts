// Collectives over real MessageChannels in one thread: sums, shards, byte counts (counted by the
// transport), pipelining, out-of-order ops, and failures that must reject instead of hanging.
// N = ranks, n = elements per rank.
import { afterEach, describe, expect, it } from 'vitest';
import { algorithms, broadcast, chunkRange, Comm, fromPieces, localGroup, ringAllreduceOwned, toPieces, type AlgorithmName, type PortTransport } from '../../src/engine/collectives';

let open: PortTransport[] = [];
afterEach(() => {
  open.forEach((t) => t.close());
  open = [];
});

function group(N: number, pieceBytes = 1 << 20, timeoutMs = 10_000, link: Parameters<typeof localGroup>[1] = null): Comm[] {
  const ts = localGroup(N, link);
  open.push(...ts);
  return ts.map((t) => new Comm(t, { pieceBytes, timeoutMs }));
}

/** Small integers: every partial sum is exact in f32, so any order of addition gives the same bits. */
const value = (r: number, i: number) => ((i * 7 + r * 13) % 17) - 8;
const inputs = (N: number, n: number) => Array.from({ length: N }, (_, r) => Float32Array.from({ length: n }, (_, i) => value(r, i)));
const expectedSum = (N: number, n: number) => Float32Array.from({ length: n }, (_, i) => { let s = 0; for (let r = 0; r < N; r++) s += value(r, i); return s; });

const names: AlgorithmName[] = ['ring', 'naive', 'tree'];

describe('allreduce equals the elementwise sum', () => {
  for (const algo of names) {
    it(`${algo}: N = 1..8, n from 1 to not divisible by N, small pieces so chunks pipeline`, async () => {
      for (let N = 1; N <= 8; N++) {
        for (const n of [1, 5, 1000, 4099]) {
          const comms = group(N, 256); // 64-element pieces: several pieces per chunk
          const xs = inputs(N, n);
          await Promise.all(comms.map((c, r) => algorithms[algo].allreduce(c, xs[r])));
          const want = expectedSum(N, n);
          for (let r = 0; r < N; r++) expect(xs[r], `${algo} N=${N} n=${n} rank ${r}`).toEqual(want);
        }
      }
    });
  }

  it('zero-copy ring on owned pieces: N = 1..8, sizes not divisible by N, twice in a row (pooled buffers)', async () => {
    for (let N = 1; N <= 8; N++) {
      for (const n of [1, 5, 1000, 4099]) {
        const comms = group(N, 256);
        const xs = inputs(N, n);
        for (let rep = 0; rep < 2; rep++) {
          const ps = comms.map((c, r) => toPieces(c, xs[r]));
          await Promise.all(comms.map((c, r) => ringAllreduceOwned(c, ps[r], n)));
          comms.forEach((c, r) => fromPieces(c, xs[r], ps[r]));
        }
        const want = expectedSum(N, n).map((v) => v * N); // the second op sums N copies of the first sum
        for (let r = 0; r < N; r++) expect(xs[r], `owned N=${N} n=${n} rank ${r}`).toEqual(want);
        if (N > 1 && n % N === 0) for (const c of comms) expect(c.takeRecords()[0].bytes).toBe((2 * (N - 1) / N) * n * 4);
      }
    }
  });

  it('several MB, N = 3 and 8, all algorithms (1 MB pieces)', async () => {
    const n = 1_000_003; // 4 MB, prime so no N divides it
    for (const N of [3, 8]) {
      const want = expectedSum(N, n);
      for (const algo of names) {
        const comms = group(N);
        const xs = inputs(N, n);
        await Promise.all(comms.map((c, r) => algorithms[algo].allreduce(c, xs[r])));
        for (let r = 0; r < N; r++) expect(xs[r].every((v, i) => v === want[i]), `${algo} N=${N} rank ${r}`).toBe(true);
      }
    }
  });

  it('fractional values: within f32 rounding of an f64 sum, and bit-identical on every rank', async () => {
    const N = 5, n = 3001;
    const xs = Array.from({ length: N }, (_, r) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + r)));
    const want = Array.from({ length: n }, (_, i) => xs.reduce((s, x) => s + x[i], 0));
    const comms = group(N, 1024);
    await Promise.all(comms.map((c, r) => algorithms.ring.allreduce(c, xs[r])));
    // 4 f32 additions of |values| <= 1: each rounds by <= 2^-24 * 5, so 1e-6 absolute bounds it.
    for (let i = 0; i < n; i++) expect(Math.abs(xs[0][i] - want[i])).toBeLessThan(1e-6);
    for (let r = 1; r < N; r++) expect(xs[r]).toEqual(xs[0]);
  });
});

describe('bytes are counted by the transport', () => {
  it('ring allreduce sends 2(N-1)/N x S per rank, all to the right neighbour', async () => {
    for (const N of [2, 4, 8]) {
      const n = 8 * 1024; // divisible by N
      const comms = group(N, 4096);
      const xs = inputs(N, n);
      await Promise.all(comms.map((c, r) => algorithms.ring.allreduce(c, xs[r])));
      for (const c of comms) {
        const sent = c.transport.sent;
        expect(sent.reduce((a, s) => a + s.bytes, 0)).toBe((2 * (N - 1) / N) * n * 4);
        sent.forEach((s, to) => { if (to !== (c.rank + 1) % N) expect(s.bytes).toBe(0); });
        expect(c.takeRecords()[0].bytes).toBe((2 * (N - 1) / N) * n * 4);
      }
    }
  });

  it('ring with n not divisible by N sends everything but its own two chunks, twice', async () => {
    const N = 6, n = 1001;
    const comms = group(N, 256);
    const xs = inputs(N, n);
    await Promise.all(comms.map((c, r) => algorithms.ring.allreduce(c, xs[r])));
    const size = (c: number) => { const [a, b] = chunkRange(n, N, c); return b - a; };
    for (const c of comms) {
      const total = c.transport.sent.reduce((a, s) => a + s.bytes, 0);
      expect(total).toBe((2 * n - size(c.rank) - size((c.rank + 1) % N)) * 4);
    }
  });

  it('naive moves (N-1) x S through the root; fp16 halves the ring bytes', async () => {
    const N = 4, n = 4000;
    const comms = group(N);
    const xs = inputs(N, n);
    await Promise.all(comms.map((c, r) => algorithms.naive.allreduce(c, xs[r])));
    const bytes = comms.map((c) => c.transport.sent.reduce((a, s) => a + s.bytes, 0));
    expect(bytes).toEqual([(N - 1) * n * 4, n * 4, n * 4, n * 4]);

    const half = group(N);
    const ys = inputs(N, n);
    await Promise.all(half.map((c, r) => algorithms.ring.allreduce(c, ys[r], { codec: 'f16' })));
    for (const c of half) expect(c.transport.sent.reduce((a, s) => a + s.bytes, 0)).toBe((2 * (N - 1) / N) * n * 2);
    // Integers below 2048 are exact in fp16, so the compressed sum is exact here.
    for (const y of ys) expect(y).toEqual(expectedSum(N, n));
  });
});

describe('reduce-scatter, all-gather, broadcast', () => {
  for (const algo of names) {
    it(`${algo}: rank r's chunk holds the sum; all-gather puts every chunk everywhere`, async () => {
      for (const N of [1, 3, 4, 7]) {
        const n = 1003;
        const comms = group(N, 512);
        const xs = inputs(N, n);
        await Promise.all(comms.map((c, r) => algorithms[algo].reduceScatter(c, xs[r])));
        const want = expectedSum(N, n);
        for (let r = 0; r < N; r++) {
          const [a, b] = chunkRange(n, N, r);
          expect(xs[r].subarray(a, b)).toEqual(want.subarray(a, b));
        }
        // All-gather of distinct shards: chunk k comes from rank k.
        const ys = Array.from({ length: N }, (_, r) => Float32Array.from({ length: n }, (_, i) => (i >= chunkRange(n, N, r)[0] && i < chunkRange(n, N, r)[1] ? i * 0.5 : -1)));
        await Promise.all(comms.map((c, r) => algorithms[algo].allGather(c, ys[r])));
        const full = Float32Array.from({ length: n }, (_, i) => i * 0.5);
        for (const y of ys) expect(y).toEqual(full);
      }
    });
  }

  it('explicit chunk bounds (some empty) line shards up with a caller-chosen layout, every algorithm', async () => {
    const N = 4, n = 500;
    const bounds = [0, 0, 120, 480, 500]; // rank 0 owns nothing
    for (const algo of names) {
      const comms = group(N, 256);
      const xs = inputs(N, n);
      await Promise.all(comms.map((c, r) => algorithms[algo].reduceScatter(c, xs[r], { bounds })));
      const want = expectedSum(N, n);
      for (let r = 0; r < N; r++) expect(xs[r].subarray(bounds[r], bounds[r + 1]), `${algo} rank ${r}`).toEqual(want.subarray(bounds[r], bounds[r + 1]));
      await Promise.all(comms.map((c, r) => algorithms[algo].allGather(c, xs[r], { bounds })));
      for (const x of xs) expect(x, algo).toEqual(want);
    }
    const c = group(2)[0];
    await expect(algorithms.ring.reduceScatter(c, new Float32Array(10), { bounds: [0, 5, 9] })).rejects.toThrow(/bounds must be 3 offsets from 0 to 10/);
  });

  it('broadcast copies rank 0 to all ranks for N = 1..8', async () => {
    for (let N = 1; N <= 8; N++) {
      const comms = group(N, 256);
      const xs = inputs(N, 777);
      await Promise.all(comms.map((c, r) => broadcast(c, xs[r])));
      for (const x of xs) expect(x).toEqual(inputs(1, 777)[0]);
    }
  });
});

describe('ordering and failures', () => {
  it('back-to-back ops without waiting, over a link with latency, still pair up by op id', async () => {
    const N = 4, n = 2000;
    const comms = group(N, 512, 10_000, { bandwidth: 0, latency: 0.002 });
    const a = inputs(N, n);
    const b = inputs(N, n).map((x) => x.map((v) => v * 2));
    await Promise.all(comms.flatMap((c, r) => [algorithms.ring.allreduce(c, a[r]), algorithms.tree.allreduce(c, b[r])]));
    for (let r = 0; r < N; r++) {
      expect(a[r]).toEqual(expectedSum(N, n));
      expect(b[r]).toEqual(expectedSum(N, n).map((v) => v * 2));
    }
  });

  it('a rank that never calls makes the others reject within the timeout, naming it', async () => {
    const N = 4;
    const comms = group(N, 1 << 20, 300);
    const xs = inputs(N, 100);
    const t0 = performance.now();
    const results = await Promise.allSettled(comms.filter((c) => c.rank !== 2).map((c) => algorithms.ring.allreduce(c, xs[c.rank])));
    expect(performance.now() - t0).toBeLessThan(3000);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/ring allreduce/);
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/rank 2/);
    }
  });

  it('a rank that fails aborts the others at once with its reason', async () => {
    const N = 3;
    const comms = group(N, 1 << 20, 60_000);
    const xs = inputs(N, 100);
    const t0 = performance.now();
    const pending = comms.filter((c) => c.rank !== 1).map((c) => algorithms.naive.allreduce(c, xs[c.rank]));
    comms[1].transport.abort('rank 1 failed: backward threw NaN check');
    const results = await Promise.allSettled(pending);
    expect(performance.now() - t0).toBeLessThan(2000); // far below the 60 s timeout
    for (const r of results) expect(String((r as PromiseRejectedResult).reason)).toMatch(/rank 1 aborted: rank 1 failed: backward threw/);
  });
});
