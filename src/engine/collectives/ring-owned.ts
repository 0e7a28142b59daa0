// Zero-copy ring allreduce on a vector held as OWNED pieces (each piece is the whole of its own
// ArrayBuffer, so it can be transferred). The in-place ring (ring.ts) must copy its first chunk out of
// the caller's array and its finished chunk back in; here the caller hands over buffers it owns (DDP's
// bucket gradients read from the backend are fresh copies anyway), so per rank the data movement is
// exactly a ring's: N-1 chunk reductions and N-1 chunk copies, the same as the local limit.
// Buffer life: chunk r-1's pieces leave at step 0; each other chunk's pieces die after being added into a
// passing sum and go to the pool; every piece we must both keep and forward costs one pooled copy.
// N = ranks, r = rank, pieces[c][p] = piece p of chunk c (chunkOf / pieceElems layout, f32 only).

import { chunkOf, mod, pieceElems, pieces as pieceRanges, work, type CollOptions, type Comm } from './comm';
import { f32Codec } from './codec';
import { addInto } from './reduce';
import { tag } from './ring';

/** The vector split as pieces[chunk][piece], each a whole ArrayBuffer. */
export type OwnedPieces = Float32Array[][];

/** Element ranges [a, b) of every piece, as [chunk][piece]. */
export function pieceLayout(comm: Comm, n: number, o?: CollOptions): [number, number][][] {
  const elems = pieceElems(comm, f32Codec);
  return Array.from({ length: comm.size }, (_, c) => {
    const [a, b] = chunkOf(n, comm.size, c, o);
    return pieceRanges(b - a, elems).map(([p0, p1]): [number, number] => [a + p0, a + p1]);
  });
}

/** Owned pieces holding a copy of x (buffers from the comm's pool). */
export function toPieces(comm: Comm, x: Float32Array, o?: CollOptions): OwnedPieces {
  return pieceLayout(comm, x.length, o).map((ch) => ch.map(([a, b]) => new Float32Array(comm.pool.copyOf(x.subarray(a, b)))));
}

/** Copy pieces back into x and return their buffers to the pool. */
export function fromPieces(comm: Comm, x: Float32Array, ps: OwnedPieces, o?: CollOptions): void {
  pieceLayout(comm, x.length, o).forEach((ch, c) => ch.forEach(([a], p) => {
    x.set(ps[c][p], a);
    comm.pool.give(ps[c][p].buffer as ArrayBuffer);
  }));
}

/** Sum over ranks, in place in `ps` (entries are replaced by result buffers; the old ones are consumed). */
export function ringAllreduceOwned(comm: Comm, ps: OwnedPieces, n: number): Promise<void> {
  return comm.run('ring allreduce', n, async (op) => {
    const { transport: t, size: N, rank: r, pool, opts } = comm;
    if (N === 1) return;
    const right = mod(r + 1, N), left = mod(r - 1, N);
    const keep = (src: Float32Array): Float32Array => new Float32Array(pool.copyOf(src));
    work(comm, () => ps[mod(r - 1, N)].forEach((piece, p) => t.send(right, tag(op, 'rs', 0, p), piece.buffer as ArrayBuffer)));
    for (let s = 0; s < N - 1; s++) {
      const c = mod(r - s - 2, N);
      for (let p = 0; p < ps[c].length; p++) {
        const buf = await t.recv(left, tag(op, 'rs', s, p), opts.timeoutMs, op.what);
        work(comm, () => {
          const sum = new Float32Array(buf);
          addInto(sum, ps[c][p]);
          pool.give(ps[c][p].buffer as ArrayBuffer); // our addend is spent
          if (s < N - 2) t.send(right, tag(op, 'rs', s + 1, p), buf);
          else {
            ps[c][p] = keep(sum); // chunk r is finished: keep it and start the all-gather with it
            t.send(right, tag(op, 'ag', 0, p), buf);
          }
        });
      }
    }
    for (let s = 0; s < N - 1; s++) {
      const c = mod(r - s - 1, N);
      for (let p = 0; p < ps[c].length; p++) {
        const buf = await t.recv(left, tag(op, 'ag', s, p), opts.timeoutMs, op.what);
        work(comm, () => {
          const got = new Float32Array(buf);
          if (s < N - 2) {
            ps[c][p] = keep(got);
            t.send(right, tag(op, 'ag', s + 1, p), buf);
          } else ps[c][p] = got; // the last hop: nothing to forward, keep the buffer itself
        });
      }
    }
  });
}
