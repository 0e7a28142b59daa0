// The collectives as a table: pick an algorithm by name, call it on every rank in the same order.
// N = ranks. All operate in place on a Float32Array of the same length on every rank; the result is the
// elementwise sum (divide by N yourself for the mean: every rank applies the same op to the same bits).

import { ringAllGather, ringAllreduce, ringReduceScatter } from './ring';
import { rootedAllGather, rootedAllreduce, rootedReduceScatter } from './rooted';
import type { CollOptions, Comm } from './comm';

export type CollFn = (comm: Comm, x: Float32Array, o?: CollOptions) => Promise<void>;

export interface Algorithm {
  name: AlgorithmName;
  /** x = sum over ranks of x. */
  allreduce: CollFn;
  /** Chunk `rank` of x (chunkRange) = its sum over ranks; the rest of x is scratch. */
  reduceScatter: CollFn;
  /** Chunk k of x comes from rank k. */
  allGather: CollFn;
}

export type AlgorithmName = 'ring' | 'naive' | 'tree';

export const algorithms: Record<AlgorithmName, Algorithm> = {
  ring: { name: 'ring', allreduce: ringAllreduce, reduceScatter: ringReduceScatter, allGather: ringAllGather },
  naive: { name: 'naive', allreduce: rootedAllreduce('star'), reduceScatter: rootedReduceScatter('star'), allGather: rootedAllGather('star') },
  tree: { name: 'tree', allreduce: rootedAllreduce('tree'), reduceScatter: rootedReduceScatter('tree'), allGather: rootedAllGather('tree') },
};

/** Bus bandwidth factor (nccl-tests): busbw = algbw x factor, comparable to a link's raw bandwidth. */
export const busFactor = { allreduce: (N: number) => (2 * (N - 1)) / N, reduceScatter: (N: number) => (N - 1) / N, allGather: (N: number) => (N - 1) / N, broadcast: () => 1 };

export { broadcast } from './rooted';
export { BufferPool, Comm, chunkRange, defaultCommOptions, type CollOptions, type CommOptions, type OpRecord } from './comm';
export { CollectiveError } from '../errors';
export { PortTransport, localGroup, localPorts, type LinkModel, type PortLike, type Transport } from './transport';
export { addInto, reduceKernel } from './reduce';
export { codecs, toHalf } from './codec';
export { fromPieces, pieceLayout, ringAllreduceOwned, toPieces, type OwnedPieces } from './ring-owned';
