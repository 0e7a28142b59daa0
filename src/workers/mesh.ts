// Wiring N workers all-to-all with MessageChannels: ports[r][k] is rank r's end of the r<->k channel.
// The coordinator only creates and hands out the ports; traffic then flows worker to worker.
// N = ranks.

/** N x N port matrix (null on the diagonal), one MessageChannel per pair. */
export function meshPorts(N: number): (MessagePort | null)[][] {
  const ports: (MessagePort | null)[][] = Array.from({ length: N }, () => new Array<MessagePort | null>(N).fill(null));
  for (let a = 0; a < N; a++) {
    for (let b = a + 1; b < N; b++) {
      const ch = new MessageChannel();
      ports[a][b] = ch.port1;
      ports[b][a] = ch.port2;
    }
  }
  return ports;
}

/** Rank r's ports and the list to transfer with them. */
export function portsFor(ports: (MessagePort | null)[][], r: number): { row: (MessagePort | null)[]; transfer: MessagePort[] } {
  const row = ports[r];
  return { row, transfer: row.filter((p): p is MessagePort => p !== null) };
}
