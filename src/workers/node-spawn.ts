// Starting TypeScript workers as Node worker_threads (CLI, benchmarks, unit tests). Node only.
import { Worker } from 'node:worker_threads';
import { nodeEndpoint, type WorkerHandle } from './port';

const boot = new URL('./node-boot.mjs', import.meta.url);

/** Start the worker module at `entry` (a .ts file URL) in a worker_thread. */
export function spawnNodeWorker(entry: URL, name = 'worker'): WorkerHandle {
  const w = new Worker(boot, { workerData: { entry: entry.href }, name });
  let failed: ((err: Error) => void)[] = [];
  let terminating = false;
  const fail = (err: Error) => {
    const fs = failed;
    failed = [];
    fs.forEach((f) => f(err));
  };
  w.on('error', (e) => fail(new Error(`${name} crashed: ${e instanceof Error ? e.message : String(e)}`)));
  w.on('exit', (code) => {
    if (!terminating) fail(new Error(`${name} exited with code ${code}`));
  });
  return {
    endpoint: nodeEndpoint(w),
    onFailure: (fn) => void failed.push(fn),
    async terminate() {
      terminating = true;
      await w.terminate();
    },
  };
}
