// One worker boundary for both worlds. Browser Workers, MessagePorts and `self` speak
// addEventListener/postMessage; Node's worker_threads Worker and parentPort speak on/off/postMessage.
// comlink wants the browser shape, so Node endpoints are wrapped here. Raw ports (gradient traffic) need
// no wrapping: Node's MessagePort supports `onmessage` with `{ data }` events like the browser's.
// This file imports nothing from Node, so the browser bundle can use it too.
import type { Endpoint } from 'comlink';

/** The EventEmitter side of Node's Worker / parentPort / MessagePort that we use. */
export interface NodeEmitter {
  postMessage(msg: unknown, transfer?: readonly unknown[]): void;
  on(ev: 'message', fn: (data: unknown) => void): unknown;
  off(ev: 'message', fn: (data: unknown) => void): unknown;
}

type Handler = EventListenerOrEventListenerObject;

/** A comlink Endpoint over a Node emitter: `message` listeners receive `{ data }` as in a browser. */
export function nodeEndpoint(n: NodeEmitter): Endpoint {
  const wrapped = new Map<Handler, (data: unknown) => void>();
  return {
    postMessage: (msg: unknown, transfer?: Transferable[]) => n.postMessage(msg, transfer ?? []),
    addEventListener(_type: string, h: Handler) {
      const fn = (data: unknown) => {
        const ev = { data } as MessageEvent;
        if (typeof h === 'function') h(ev);
        else h.handleEvent(ev);
      };
      wrapped.set(h, fn);
      n.on('message', fn);
    },
    removeEventListener(_type: string, h: Handler) {
      const fn = wrapped.get(h);
      if (fn) n.off('message', fn);
      wrapped.delete(h);
    },
  };
}

/** Set by node-boot.mjs in a Node worker: its parentPort. Absent in a browser worker. */
declare global {
  var ringlabParentPort: NodeEmitter | undefined;
}

/** The endpoint a worker exposes its comlink API on: parentPort in Node, `self` in a browser. */
export function parentEndpoint(): Endpoint {
  const p = globalThis.ringlabParentPort;
  return p ? nodeEndpoint(p) : (self as unknown as Endpoint);
}

/** A started worker, whichever kind: its comlink endpoint, failure notice and shutdown. */
export interface WorkerHandle {
  endpoint: Endpoint;
  /** Called once if the worker dies (uncaught error or exit) so pending calls can fail instead of hanging. */
  onFailure(fn: (err: Error) => void): void;
  terminate(): Promise<void>;
}
