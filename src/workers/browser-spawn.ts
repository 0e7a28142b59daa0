// Starting device workers in a browser (Vite bundles the worker from the literal URL below).
import type { WorkerHandle } from './port';

/** Start one device worker as a module Web Worker. */
export function spawnBrowserDevice(rank: number): WorkerHandle {
  const w = new Worker(new URL('./device.worker.ts', import.meta.url), { type: 'module', name: `device ${rank}` });
  let failed: ((err: Error) => void)[] = [];
  const fail = (err: Error) => {
    const fs = failed;
    failed = [];
    fs.forEach((f) => f(err));
  };
  w.addEventListener('error', (e) => fail(new Error(`device ${rank} crashed: ${e.message}`)));
  return {
    endpoint: w,
    onFailure: (fn) => void failed.push(fn),
    async terminate() {
      w.terminate();
    },
  };
}
