// One rank's collective context: the transport, an op counter (every rank calls collectives in the same
// order, so op ids agree and tag the messages), the timeout, the piece size, and a record of each op.
// N = ranks, n = elements of the vector being reduced, S = n * 4 bytes. Chunk c of N covers
// [floor(c n / N), floor((c+1) n / N)): sizes differ by at most one, so n need not divide by N.
// A chunk moves as pieces of at most `pieceBytes`, so a receiver reduces piece p while piece p+1 is in flight.

import { codecs, type Codec } from './codec';
import type { Transport } from './transport';

export interface CommOptions {
  /** A receive that sees nothing for this long rejects (naming the op and the silent rank). */
  timeoutMs: number;
  /** Largest message payload; chunks are cut into pieces of this size to pipeline sends and reductions. */
  pieceBytes: number;
}

export const defaultCommOptions: CommOptions = { timeoutMs: 30_000, pieceBytes: 1 << 20 };

/** What one collective call did on this rank. */
export interface OpRecord {
  id: number;
  name: string;
  /** Elements of the vector. */
  n: number;
  /** Payload bytes this rank sent (after compression). */
  bytes: number;
  t0: number;
  t1: number;
  /** Of t1 - t0, milliseconds spent blocked waiting for a peer. */
  waitMs: number;
}

/** Recycles message buffers by size. Fresh ArrayBuffers cost page faults and zeroing (a new 16 MB buffer
 *  copies at ~2.5 GB/s here, a reused one at ~12); in steady state a ring op creates and retires the same
 *  number of buffers per rank, so after the first op nothing is allocated. */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private bytes = 0;
  constructor(private readonly capBytes = 256 << 20) {}

  /** A buffer of exactly `byteLength` bytes (contents undefined). */
  take(byteLength: number): ArrayBuffer {
    const q = this.free.get(byteLength);
    const b = q?.pop();
    if (!b) return new ArrayBuffer(byteLength);
    this.bytes -= byteLength;
    return b;
  }

  /** A buffer of our own holding a copy of x's bytes (a received buffer can be transferred only once). */
  copyOf(x: ArrayBufferView): ArrayBuffer {
    const b = this.take(x.byteLength);
    new Uint8Array(b).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    return b;
  }

  /** Return a buffer we own (received and no longer forwarded). */
  give(b: ArrayBuffer): void {
    if (b.byteLength === 0 || this.bytes + b.byteLength > this.capBytes) return;
    this.bytes += b.byteLength;
    const q = this.free.get(b.byteLength);
    if (q) q.push(b);
    else this.free.set(b.byteLength, [b]);
  }
}

export class Comm {
  readonly rank: number;
  readonly size: number;
  readonly opts: CommOptions;
  private nextId = 0;
  /** Every op since the last `takeRecords()`. */
  records: OpRecord[] = [];
  readonly pool = new BufferPool();
  /** Milliseconds this rank spent working for collectives (reductions, copies, posting), overlapped or not. */
  busyMs = 0;

  constructor(readonly transport: Transport, opts: Partial<CommOptions> = {}) {
    this.rank = transport.rank;
    this.size = transport.size;
    this.opts = { ...defaultCommOptions, ...opts };
  }

  /** Start an op: returns its id and a finisher that records it. Errors inside name the op. */
  async run<T>(name: string, n: number, body: (op: Op) => Promise<T>): Promise<T> {
    const id = this.nextId++;
    const t = this.transport;
    const bytes0 = sentBytes(t);
    const wait0 = t.waitMs;
    const t0 = performance.now();
    const op: Op = { id, what: `${name} (op ${id}, ${n} elements)`, comm: this };
    try {
      const out = await body(op);
      this.records.push({ id, name, n, bytes: sentBytes(t) - bytes0, t0, t1: performance.now(), waitMs: t.waitMs - wait0 });
      return out;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      t.abort(`rank ${this.rank} failed in ${op.what}: ${msg}`);
      throw e;
    }
  }

  takeRecords(): OpRecord[] {
    const r = this.records;
    this.records = [];
    return r;
  }
}

/** One running op: its id (for tags) and its description (for errors). */
export interface Op {
  id: number;
  what: string;
  comm: Comm;
}

export const sentBytes = (t: Transport): number => t.sent.reduce((a, s) => a + s.bytes, 0);

/** Element range [start, end) of chunk c when n elements are cut into N chunks. */
export function chunkRange(n: number, N: number, c: number): [number, number] {
  return [Math.floor((c * n) / N), Math.floor(((c + 1) * n) / N)];
}

/** Piece ranges of x (relative to x) of at most `elems` elements each; none when x is empty. */
export function pieces(len: number, elems: number): [number, number][] {
  const out: [number, number][] = [];
  for (let o = 0; o < len; o += elems) out.push([o, Math.min(len, o + elems)]);
  return out;
}

/** Elements per piece for this comm and codec. */
export const pieceElems = (comm: Comm, codec: Codec): number => Math.max(16, Math.floor(comm.opts.pieceBytes / codec.bytesPerElement));

export const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** Options every collective takes. */
export interface CollOptions {
  /** Wire format: 'f16' halves the bytes (gradient compression); default 'f32'. */
  codec?: keyof typeof codecs;
  /** Chunk boundaries (N+1 offsets from 0 to n, non-decreasing) instead of chunkRange: lets a bucket's
   *  reduce-scatter line up with global ZeRO shards. Chunks may be empty. */
  bounds?: number[];
}

/** Range of chunk c under the options' bounds (or chunkRange). */
export function chunkOf(n: number, N: number, c: number, o?: CollOptions): [number, number] {
  const b = o?.bounds;
  if (!b) return chunkRange(n, N, c);
  if (b.length !== N + 1 || b[0] !== 0 || b[N] !== n) throw new RangeError(`bounds must be ${N + 1} offsets from 0 to ${n}, got [${b.join(', ')}]`);
  return [b[c], b[c + 1]];
}

/** Run synchronous collective work and add its duration to the comm's busy time. */
export function work<T>(comm: Comm, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    comm.busyMs += performance.now() - t0;
  }
}

export const codecOf = (o?: CollOptions): Codec => codecs[o?.codec ?? 'f32'];
