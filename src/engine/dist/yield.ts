// Yield to the event loop (a macrotask) so queued port messages are delivered and the collectives'
// continuations run. setTimeout(0) is clamped to >= 1 ms in Node and after nesting in browsers; a
// MessageChannel round trip costs ~10-30 us. One channel per thread, created on first use.

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

/** Resolves after pending messages on this thread have had a chance to run. */
export function yieldToEventLoop(): Promise<void> {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
    // Node: an idle port must not keep the process alive.
    (channel.port1 as unknown as { unref?: () => void }).unref?.();
  }
  const ch = channel;
  return new Promise((resolve) => {
    waiting.push(resolve);
    ch.port2.postMessage(0);
  });
}
