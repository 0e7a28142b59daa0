// Rooted collectives, root = rank 0, in two shapes. N = ranks, S = vector bytes.
// star (naive): everyone sends to the root, the root sends to everyone: (N-1) x S through the root per
//   phase, 1 step of latency. Wins at tiny N or tiny messages, loses as N grows.
// tree (binomial): log2(N) levels; rank r's parent is r minus its lowest set bit. Latency-optimal.
// Work runs piece by piece so the levels pipeline. Sums at the root are in a fixed order (deterministic).

import { chunkOf, codecOf, pieceElems, pieces, work, type CollOptions, type Comm, type Op } from './comm';
import type { Codec } from './codec';

export type Shape = 'star' | 'tree';

const tag = (op: Op, phase: string, p: number) => `${op.id}:${phase}:${p}`;
const lowbit = (r: number) => r & -r;

/** dst += decode(buf), then recycle buf. */
function addRecv(op: Op, dst: Float32Array, codec: Codec, buf: ArrayBuffer): void {
  work(op.comm, () => codec.addFrom(dst, buf));
  op.comm.pool.give(buf);
}

/** dst = decode(buf), then recycle buf. */
function setRecv(op: Op, dst: Float32Array, codec: Codec, buf: ArrayBuffer): void {
  work(op.comm, () => codec.setFrom(dst, buf));
  op.comm.pool.give(buf);
}

function split(x: Float32Array, elems: number): Float32Array[] {
  return pieces(x.length, elems).map(([a, b]) => x.subarray(a, b));
}

/** Sum of x over ranks into rank 0's x (others' x unchanged). */
export async function reduceToRoot(op: Op, shape: Shape, x: Float32Array, codec: Codec): Promise<void> {
  const { transport: t, size: N, rank: r, opts } = op.comm;
  const ps = split(x, pieceElems(op.comm, codec));
  for (let p = 0; p < ps.length; p++) {
    if (shape === 'star') {
      if (r !== 0) work(op.comm, () => t.send(0, tag(op, 'red', p), codec.encode(ps[p], op.comm.pool)));
      else for (let k = 1; k < N; k++) addRecv(op, ps[p], codec, await t.recv(k, tag(op, 'red', p), opts.timeoutMs, op.what));
      continue;
    }
    // Binomial: add children r+1, r+2, r+4, ... (below our lowest set bit), then send to the parent.
    for (let mask = 1; mask < N; mask <<= 1) {
      if (r & mask) {
        work(op.comm, () => t.send(r - mask, tag(op, 'red', p), codec.encode(ps[p], op.comm.pool)));
        break;
      }
      if (r + mask < N) addRecv(op, ps[p], codec, await t.recv(r + mask, tag(op, 'red', p), opts.timeoutMs, op.what));
    }
  }
}

/** Rank 0's x onto every rank. */
export async function broadcastFromRoot(op: Op, shape: Shape, x: Float32Array, codec: Codec): Promise<void> {
  const { transport: t, size: N, rank: r, opts } = op.comm;
  const ps = split(x, pieceElems(op.comm, codec));
  const children: number[] = [];
  if (shape === 'star') {
    if (r === 0) for (let k = 1; k < N; k++) children.push(k);
  } else {
    for (let mask = r === 0 ? 1 << Math.ceil(Math.log2(N)) : lowbit(r) >> 1; mask >= 1; mask >>= 1) {
      if (r + mask < N) children.push(r + mask);
    }
  }
  const parent = shape === 'star' ? 0 : r - lowbit(r);
  for (let p = 0; p < ps.length; p++) {
    const got = r !== 0 ? await t.recv(parent, tag(op, 'bc', p), opts.timeoutMs, op.what) : null;
    work(op.comm, () => {
      let buf: ArrayBuffer;
      if (got) codec.setFrom(ps[p], (buf = got));
      else {
        buf = codec.encode(ps[p], op.comm.pool);
        if (codec.name !== 'f32') codec.setFrom(ps[p], buf); // the root keeps what the others receive
      }
      // A buffer can be transferred once: every child but the last gets a copy.
      children.forEach((c, i) => t.send(c, tag(op, 'bc', p), i === children.length - 1 ? buf : op.comm.pool.copyOf(new Uint8Array(buf))));
      if (!children.length) op.comm.pool.give(buf);
    });
  }
}

/** Rank 0 sends chunk k of x (chunkRange or o.bounds) to rank k. */
async function scatterFromRoot(op: Op, x: Float32Array, codec: Codec, o?: CollOptions): Promise<void> {
  const { transport: t, size: N, rank: r, opts } = op.comm;
  const elems = pieceElems(op.comm, codec);
  if (r === 0) {
    for (let k = 1; k < N; k++) {
      const [a, b] = chunkOf(x.length, N, k, o);
      work(op.comm, () => split(x.subarray(a, b), elems).forEach((piece, p) => t.send(k, tag(op, 'sc', p), codec.encode(piece, op.comm.pool))));
    }
    return;
  }
  const [a, b] = chunkOf(x.length, N, r, o);
  const ps = split(x.subarray(a, b), elems);
  for (let p = 0; p < ps.length; p++) setRecv(op, ps[p], codec, await t.recv(0, tag(op, 'sc', p), opts.timeoutMs, op.what));
}

/** Rank k sends chunk k of x to rank 0, which fills its x with them. */
async function gatherToRoot(op: Op, x: Float32Array, codec: Codec, o?: CollOptions): Promise<void> {
  const { transport: t, size: N, rank: r, opts } = op.comm;
  const elems = pieceElems(op.comm, codec);
  if (r !== 0) {
    const [a, b] = chunkOf(x.length, N, r, o);
    work(op.comm, () => split(x.subarray(a, b), elems).forEach((piece, p) => t.send(0, tag(op, 'ga', p), codec.encode(piece, op.comm.pool))));
    return;
  }
  for (let k = 1; k < N; k++) {
    const [a, b] = chunkOf(x.length, N, k, o);
    const ps = split(x.subarray(a, b), elems);
    for (let p = 0; p < ps.length; p++) setRecv(op, ps[p], codec, await t.recv(k, tag(op, 'ga', p), opts.timeoutMs, op.what));
  }
}

/** Allreduce as reduce to rank 0 then broadcast. */
export const rootedAllreduce = (shape: Shape) => (comm: Comm, x: Float32Array, o?: CollOptions): Promise<void> =>
  comm.run(`${shape === 'star' ? 'naive' : 'tree'} allreduce`, x.length, async (op) => {
    if (comm.size === 1) return;
    await reduceToRoot(op, shape, x, codecOf(o));
    await broadcastFromRoot(op, shape, x, codecOf(o));
  });

/** Reduce-scatter as reduce to rank 0 then scatter of the chunks. */
export const rootedReduceScatter = (shape: Shape) => (comm: Comm, x: Float32Array, o?: CollOptions): Promise<void> =>
  comm.run(`${shape === 'star' ? 'naive' : 'tree'} reduce-scatter`, x.length, async (op) => {
    if (comm.size === 1) return;
    await reduceToRoot(op, shape, x, codecOf(o));
    await scatterFromRoot(op, x, codecOf(o), o);
  });

/** All-gather as gather of the chunks to rank 0 then broadcast. */
export const rootedAllGather = (shape: Shape) => (comm: Comm, x: Float32Array, o?: CollOptions): Promise<void> =>
  comm.run(`${shape === 'star' ? 'naive' : 'tree'} all-gather`, x.length, async (op) => {
    if (comm.size === 1) return;
    await gatherToRoot(op, x, codecOf(o), o);
    await broadcastFromRoot(op, shape, x, codecOf(o));
  });

/** Rank 0's x onto every rank (binomial tree): how rank 0's initial weights reach the others. */
export const broadcast = (comm: Comm, x: Float32Array): Promise<void> =>
  comm.run('broadcast', x.length, async (op) => {
    if (comm.size > 1) await broadcastFromRoot(op, 'tree', x, codecOf());
  });
