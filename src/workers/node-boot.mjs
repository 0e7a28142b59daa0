// Entry of every Node worker_thread: makes TypeScript and `?raw` imports loadable inside the worker
// (tsx's hooks registered in the parent do not reach workers), exposes parentPort for port.ts, then
// loads the real worker module named in workerData.entry.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
import '../../scripts/register-raw.mjs';

register();
globalThis.ringlabParentPort = parentPort;
// Device workers build their backend as a single-device run does (loaded only when a device asks).
globalThis.ringlabCreateBackend = async (kind) => (await import('../cli/backend.ts')).createBackend(kind);
await import(workerData.entry);
