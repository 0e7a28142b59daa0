// Ring collectives (NCCL's bandwidth-optimal algorithm). N = ranks, r = this rank, S = vector bytes.
// Reduce-scatter: N-1 steps; at step s rank r sends chunk (r-s-1) mod N to r+1 and adds chunk (r-s-2)
// mod N from r-1 into it, so after the last step rank r holds the full sum of chunk r (its shard).
// All-gather: N-1 steps passing finished chunks around the ring. Allreduce = reduce-scatter + all-gather:
// each rank sends 2(N-1)/N x S bytes. Pieces pipeline: a reduced piece is forwarded at once, so
// every rank is reducing while the next piece is in flight. A received buffer is reduced in place and
// forwarded (transferred, never copied); only a rank's first send and its own finished chunk are copied.

import { chunkOf, codecOf, mod, pieceElems, pieces, work, type CollOptions, type Comm, type Op } from './comm';
import type { Codec } from './codec';

/** The tag of piece `piece` at ring step `step` of phase rs (reduce-scatter) or ag (all-gather). */
export const tag = (op: Op, phase: 'rs' | 'ag', step: number, piece: number) => `${op.id}:${phase}:${step}:${piece}`;

/** Pieces of chunk c of x, as subarrays. */
function chunkPieces(x: Float32Array, N: number, c: number, elems: number, o?: CollOptions): Float32Array[] {
  const [a, b] = chunkOf(x.length, N, c, o);
  return pieces(b - a, elems).map(([p0, p1]) => x.subarray(a + p0, a + p1));
}

/** The reduce-scatter half. `finish(piece, fwd, p)` gets each summed piece of this rank's chunk. */
async function reduceScatterSteps(op: Op, x: Float32Array, codec: Codec, o: CollOptions | undefined, finish: (dst: Float32Array, fwd: ArrayBuffer, p: number) => void): Promise<void> {
  const { transport: t, size: N, rank: r, opts } = op.comm;
  const right = mod(r + 1, N);
  const left = mod(r - 1, N);
  const elems = pieceElems(op.comm, codec);
  work(op.comm, () => chunkPieces(x, N, mod(r - 1, N), elems, o).forEach((piece, p) => t.send(right, tag(op, 'rs', 0, p), codec.encode(piece, op.comm.pool))));
  for (let s = 0; s < N - 1; s++) {
    const ps = chunkPieces(x, N, mod(r - s - 2, N), elems, o);
    for (let p = 0; p < ps.length; p++) {
      const buf = await t.recv(left, tag(op, 'rs', s, p), opts.timeoutMs, op.what);
      work(op.comm, () => {
        const fwd = codec.reduceFwd(buf, ps[p], op.comm.pool);
        if (s < N - 2) t.send(right, tag(op, 'rs', s + 1, p), fwd);
        else finish(ps[p], fwd, p);
      });
    }
  }
}

/** The all-gather half, after this rank's chunk r has been sent as step 0. */
async function allGatherSteps(op: Op, x: Float32Array, codec: Codec, o: CollOptions | undefined): Promise<void> {
  const { transport: t, size: N, rank: r, opts } = op.comm;
  const right = mod(r + 1, N);
  const left = mod(r - 1, N);
  const elems = pieceElems(op.comm, codec);
  for (let s = 0; s < N - 1; s++) {
    const ps = chunkPieces(x, N, mod(r - s - 1, N), elems, o);
    for (let p = 0; p < ps.length; p++) {
      const buf = await t.recv(left, tag(op, 'ag', s, p), opts.timeoutMs, op.what);
      work(op.comm, () => {
        codec.setFrom(ps[p], buf);
        if (s < N - 2) t.send(right, tag(op, 'ag', s + 1, p), buf);
        else op.comm.pool.give(buf); // the end of this buffer's trip: reuse it for our next first send
      });
    }
  }
}

/** In-place sum over ranks of x (same length on every rank). */
export function ringAllreduce(comm: Comm, x: Float32Array, o?: CollOptions): Promise<void> {
  const codec = codecOf(o);
  return comm.run('ring allreduce', x.length, async (op) => {
    if (comm.size === 1) return;
    const right = mod(comm.rank + 1, comm.size);
    await reduceScatterSteps(op, x, codec, o, (dst, fwd, p) => {
      codec.setFrom(dst, fwd); // adopt exactly what the others will receive
      comm.transport.send(right, tag(op, 'ag', 0, p), fwd);
    });
    await allGatherSteps(op, x, codec, o);
  });
}

/** In-place reduce-scatter: afterwards chunk `rank` of x (chunkRange or o.bounds) holds the sum; other chunks are scratch. */
export function ringReduceScatter(comm: Comm, x: Float32Array, o?: CollOptions): Promise<void> {
  const codec = codecOf(o);
  return comm.run('ring reduce-scatter', x.length, async (op) => {
    if (comm.size === 1) return;
    await reduceScatterSteps(op, x, codec, o, (dst, fwd) => {
      codec.setFrom(dst, fwd);
      comm.pool.give(fwd);
    });
  });
}

/** In-place all-gather: rank r contributes chunk r of x (chunkRange or o.bounds); afterwards every chunk is filled. */
export function ringAllGather(comm: Comm, x: Float32Array, o?: CollOptions): Promise<void> {
  const codec = codecOf(o);
  return comm.run('ring all-gather', x.length, async (op) => {
    const { size: N, rank: r } = comm;
    if (N === 1) return;
    const right = mod(r + 1, N);
    work(comm, () => chunkPieces(x, N, r, pieceElems(comm, codec), o).forEach((piece, p) => {
      const buf = codec.encode(piece, comm.pool);
      if (codec.name !== 'f32') codec.setFrom(piece, buf); // keep the owner's copy equal to what others get
      comm.transport.send(right, tag(op, 'ag', 0, p), buf);
    }));
    await allGatherSteps(op, x, codec, o);
  });
}
