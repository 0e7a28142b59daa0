// Entry of every Node worker_thread: makes TypeScript and `?raw` imports loadable inside the worker
// (tsx's hooks registered in the parent do not reach workers), exposes parentPort for port.ts and this
// thread's GPU object for device workers, then loads the real worker module named in workerData.entry.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';
import '../../scripts/register-raw.mjs';

register();
globalThis.ringlabParentPort = parentPort;
// Loaded only when a device asks for WebGPU: CPU devices never touch the native module.
globalThis.ringlabNodeGpu = async () => (await import('./node-gpu.ts')).nodeGpu();
await import(workerData.entry);
