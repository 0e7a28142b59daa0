// Runs training from the page: loads the data, starts one module Web Worker per device through the
// coordinator (which wires their MessageChannels and stays out of the gradient traffic), steps until done
// or stopped, and pushes each step's metrics into the train store. Nothing here computes on the main
// thread except tokenizing the text; sampling after the run happens in a worker too.
// Legend: N = devices, V = vocabulary, T = block size; ms.
import * as Comlink from 'comlink';
import { modelConfigOf, type RunConfig } from '../engine/config';
import { checkMemory, fmt } from '../engine/memory';
import { addStep, emptyRun } from '../state/runMetrics';
import { useTrain } from '../state/trainStore';
import { spawnBrowserDevice } from '../workers/browser-spawn';
import { Coordinator } from '../workers/coordinator';
import type { SampleApi } from '../workers/sample.worker';
import { loadBrowserData } from './browserData';

/** Characters generated after a finished run. */
const SAMPLE_CHARS = 160;

let stopRequested = false;

/** Per-device memory budget: half of what the browser reports (Chromium caps it at 8 GB), split over N. */
function memoryBudget(N: number): number {
  const gb = (navigator as Navigator & { deviceMemory?: number }).deviceMemory ?? 4;
  return (gb * 2 ** 30) / 2 / N;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Ask the running training to stop after the step in flight (steps are not interrupted halfway). */
export function stopTraining(): void {
  stopRequested = true;
  if (useTrain.getState().status === 'running') useTrain.setState({ status: 'stopping', message: 'stopping after the current step…' });
}

/** Train with `cfg` in N device workers; progress and errors go to the store (this never throws). */
export async function startTraining(cfg: RunConfig): Promise<void> {
  const set = useTrain.setState;
  stopRequested = false;
  set({ status: 'starting', runCfg: cfg, metrics: emptyRun(cfg.steps, cfg.devices), sample: '', message: `loading ${cfg.data}…` });
  let c: Coordinator | null = null;
  try {
    const data = await loadBrowserData(cfg.data);
    const V = data.tokenizer.vocabSize;
    const mem = checkMemory(cfg, V, memoryBudget(cfg.devices)); // refuse a model too large before any worker starts
    const about = `${data.name}: ${data.train.length.toLocaleString('en-US')} train tokens, vocabulary ${V}; model ${mem.params.toLocaleString('en-US')} parameters, ~${fmt(mem.total)} per device`;
    set({ message: `${about}; starting ${cfg.devices} worker${cfg.devices > 1 ? 's' : ''}…` });
    c = await Coordinator.start({ cfg, data: { train: data.train, val: data.val, vocabSize: V }, spawn: spawnBrowserDevice, timeoutMs: 30_000 });
    set({ status: 'running', message: about });
    const t0 = performance.now();
    while (c.step < cfg.steps && !stopRequested) {
      const m = await c.trainStep();
      if (m.step % cfg.evalEvery === 0 || m.step === cfg.steps) m.val_loss = await c.evaluate();
      set((s) => ({ metrics: addStep(s.metrics, m, performance.now() - t0) }));
    }
    if (stopRequested) {
      set({ status: 'stopped', message: `${about}; stopped at step ${c.step}` });
      return;
    }
    set({ status: 'done', message: about });
    const params = await c.params();
    set({ sample: await sampleText(cfg, data.tokenizer.chars as string[], params, V) });
  } catch (e) {
    set({ status: 'failed', message: message(e) });
  } finally {
    await c?.stop();
  }
}

/** A short continuation from the trained weights, generated in a worker of its own. */
async function sampleText(cfg: RunConfig, chars: string[], params: Float32Array, V: number): Promise<string> {
  const w = new Worker(new URL('../workers/sample.worker.ts', import.meta.url), { type: 'module', name: 'sampler' });
  try {
    const api = Comlink.wrap<SampleApi>(w);
    const req = { model: modelConfigOf(cfg, V), chars, params, count: SAMPLE_CHARS, seed: cfg.seed };
    return await api.sample(Comlink.transfer(req, [params.buffer]));
  } catch (e) {
    return `(no sample: ${message(e)})`;
  } finally {
    w.terminate();
  }
}
