// Entry of every Node worker_thread: makes TypeScript and `?raw` imports loadable inside the worker
// (tsx's hooks registered in the parent do not reach workers), exposes parentPort for port.ts, then
// loads the real worker module named in workerData.entry.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
import '../../scripts/register-raw.mjs';

register();
globalThis.ringlabParentPort = parentPort;
await import(workerData.entry);
