// Point-to-point messaging between N ranks: the only thing collectives need from the outside world.
// N = devices, r = this rank. A message carries a `type`, a tag (op id, phase, step, piece) so messages
// that arrive early or out of order wait in a mailbox, and one ArrayBuffer that is transferred (not
// copied: a transferred buffer costs the sender nothing and detaches it).
// Links are directed (r -> peer); bytes and messages are counted per link as they are sent.

import { CollectiveError } from '../errors';

/** A message on a raw port. `data` is transferred. */
export interface Msg {
  type: 'coll' | 'abort' | 'stall';
  /** Sender's rank. */
  from: number;
  /** Which receive this message satisfies, e.g. "7:rs:2:0" (op 7, reduce-scatter, step 2, piece 0). */
  tag: string;
  data: ArrayBuffer;
  /** For 'abort': why the sender gave up. */
  reason?: string;
  /** For 'stall': the rank the sender has been waiting for past its timeout. */
  waitingFor?: number;
}

/** The smallest port shape both browser MessagePort and Node's worker_threads MessagePort satisfy. */
export interface PortLike {
  postMessage(msg: unknown, transfer: ArrayBuffer[]): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close?(): void;
}

/** Simulated interconnect: each link delivers after latency + bytes / bandwidth, one message at a time. */
export interface LinkModel {
  /** Bytes per second per directed link; 0 or Infinity = no bandwidth delay. */
  bandwidth: number;
  /** Seconds added to every message. */
  latency: number;
}

export interface LinkStats { bytes: number; messages: number }

/** One rank's view of the group. */
export interface Transport {
  readonly rank: number;
  readonly size: number;
  /** Post msg to `to`, transferring msg.data. */
  send(to: number, tag: string, data: ArrayBuffer): void;
  /** The message from `from` with this tag; rejects after timeoutMs or when any rank aborts. */
  recv(from: number, tag: string, timeoutMs: number, what: string): Promise<ArrayBuffer>;
  /** Tell every peer this rank has failed, so they reject at once instead of timing out; this rank's
   *  pending receives reject with `cause` (default: an abort naming this rank). */
  abort(reason: string, cause?: CollectiveError): void;
  /** Bytes and messages sent on each outgoing link, indexed by destination rank. */
  readonly sent: LinkStats[];
  /** Milliseconds spent blocked in recv (time from the call until the message was there). */
  waitMs: number;
  /** Called after each blocking wait with the rank waited for (feeds the timeline). */
  onWait?: (from: number, t0: number, t1: number) => void;
  close(): void;
}


type Waiter = { resolve: (d: ArrayBuffer) => void; reject: (e: Error) => void };

/** A Transport over one port per peer (ports[r] is unused and may be null). */
export class PortTransport implements Transport {
  readonly size: number;
  readonly sent: LinkStats[];
  waitMs = 0;
  onWait?: (from: number, t0: number, t1: number) => void;
  private readonly box = new Map<string, ArrayBuffer[]>();
  private readonly waiters = new Map<string, Waiter>();
  private failure: CollectiveError | null = null;
  /** rank -> the rank it reported waiting for past its timeout. */
  private readonly stalls = new Map<number, number>();
  private readonly linkFree: number[];

  constructor(
    readonly rank: number,
    private readonly ports: (PortLike | null)[],
    private readonly link: LinkModel | null = null,
  ) {
    this.size = ports.length;
    this.sent = ports.map(() => ({ bytes: 0, messages: 0 }));
    this.linkFree = ports.map(() => 0);
    ports.forEach((p, from) => {
      if (p && from !== rank) p.onmessage = (ev) => this.deliver(from, ev.data as Msg);
    });
  }

  send(to: number, tag: string, data: ArrayBuffer): void {
    const port = this.ports[to];
    if (!port || to === this.rank) throw new Error(`rank ${this.rank}: no link to rank ${to}`);
    const s = this.sent[to];
    s.bytes += data.byteLength;
    s.messages++;
    const msg: Msg = { type: 'coll', from: this.rank, tag, data };
    const delay = this.delayMs(to, data.byteLength);
    if (delay <= 0) port.postMessage(msg, [data]);
    else setTimeout(() => port.postMessage(msg, [data]), delay);
  }

  /** Delay for a message on link rank->to: waits for the link to be free, then bytes/bandwidth + latency. */
  private delayMs(to: number, bytes: number): number {
    const l = this.link;
    if (!l || (!(l.bandwidth > 0 && Number.isFinite(l.bandwidth)) && !(l.latency > 0))) return 0;
    const now = performance.now();
    const wire = l.bandwidth > 0 && Number.isFinite(l.bandwidth) ? (bytes / l.bandwidth) * 1000 : 0;
    this.linkFree[to] = Math.max(now, this.linkFree[to]) + wire;
    return this.linkFree[to] + l.latency * 1000 - now;
  }

  recv(from: number, tag: string, timeoutMs: number, what: string): Promise<ArrayBuffer> {
    if (this.failure) return Promise.reject(this.failure);
    const key = `${from}|${tag}`;
    const q = this.box.get(key);
    if (q?.length) {
      const d = q.shift()!;
      if (!q.length) this.box.delete(key);
      return Promise.resolve(d);
    }
    const t0 = performance.now();
    return new Promise<ArrayBuffer>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout>;
      const expire = () => {
        // Everyone downstream of a dead rank times out together; tell the others whom we wait for, give
        // them a moment to say the same, then follow the wait-for chain to the rank that is really silent.
        this.stalls.set(this.rank, from);
        this.post({ type: 'stall', from: this.rank, tag: '', data: new ArrayBuffer(0), waitingFor: from });
        timer = setTimeout(() => {
          this.waiters.delete(key);
          const chain = [this.rank, from];
          while (this.stalls.has(chain[chain.length - 1]) && chain.indexOf(chain[chain.length - 1]) === chain.length - 1) {
            chain.push(this.stalls.get(chain[chain.length - 1])!);
          }
          const last = chain[chain.length - 1];
          const cycle = this.stalls.has(last);
          const culprit = cycle ? `the ranks wait for each other (calls out of order?)` : `rank ${last} is not answering`;
          const err = new CollectiveError('silent', cycle ? from : last, `${what}: rank ${this.rank} got nothing from rank ${from} within ${timeoutMs} ms; ${culprit} (wait chain ${chain.join(' -> ')})`);
          this.abort(err.message, err); // every other pending receive fails with the same cause
          reject(err);
        }, Math.min(250, timeoutMs / 4));
      };
      timer = setTimeout(expire, timeoutMs);
      this.waiters.set(key, {
        resolve: (d) => {
          clearTimeout(timer);
          this.stalls.delete(this.rank);
          const t1 = performance.now();
          this.waitMs += t1 - t0;
          this.onWait?.(from, t0, t1);
          resolve(d);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  private post(msg: Msg): void {
    this.ports.forEach((p, to) => {
      if (p && to !== this.rank) p.postMessage(msg, []);
    });
  }

  private deliver(from: number, msg: Msg): void {
    if (msg.type === 'stall') {
      this.stalls.set(from, msg.waitingFor!);
      return;
    }
    if (msg.type === 'abort') {
      this.fail(new CollectiveError('aborted', from, `rank ${from} aborted: ${msg.reason ?? 'unknown reason'}`));
      return;
    }
    const key = `${from}|${msg.tag}`;
    const w = this.waiters.get(key);
    if (w) {
      this.waiters.delete(key);
      w.resolve(msg.data);
      return;
    }
    const q = this.box.get(key);
    if (q) q.push(msg.data);
    else this.box.set(key, [msg.data]);
  }

  private fail(err: CollectiveError): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
  }

  abort(reason: string, cause?: CollectiveError): void {
    if (this.failure) return;
    this.post({ type: 'abort', from: this.rank, tag: '', data: new ArrayBuffer(0), reason });
    this.fail(cause ?? new CollectiveError('aborted', this.rank, reason));
  }

  close(): void {
    for (const p of this.ports) {
      if (p) {
        p.onmessage = null;
        p.close?.();
      }
    }
  }
}

/** ports[a][b] = a's end of a real MessageChannel to b (null on the diagonal), for N ranks in one thread. */
export function localPorts(n: number): (PortLike | null)[][] {
  const ports: (PortLike | null)[][] = Array.from({ length: n }, () => new Array<PortLike | null>(n).fill(null));
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const ch = new MessageChannel();
      ports[a][b] = ch.port1 as unknown as PortLike;
      ports[b][a] = ch.port2 as unknown as PortLike;
    }
  }
  return ports;
}

/** N transports in this thread, wired pairwise by real MessageChannels (for tests and local groups). */
export function localGroup(n: number, link: LinkModel | null = null): PortTransport[] {
  return localPorts(n).map((p, r) => new PortTransport(r, p, link));
}
