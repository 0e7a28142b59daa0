// `npm run train` on one device: data, memory check, init weights, the training loop, metrics.jsonl
// and safetensors files. Multi-device runs branch around this in train.ts. The backend (cpu, webgpu, or
// auto's measured pick) is named in the log and on every metrics line.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { modelConfigOf, type RunConfig } from '../engine/config';
import { generate } from '../engine/generate';
import type { Dataset } from '../engine/data/dataset';
import { checkMemory, fmt } from '../engine/memory';
import { SingleDeviceTrainer } from '../engine/train/loop';
import { exportWeights } from '../engine/train/weights';
import { createBackend, type RunBackend } from './backend';
import { Progress } from './progress';

export interface RunOptions {
  out?: string;
  saveInit: boolean;
  /** Print nothing but errors. */
  quiet: boolean;
  /** Characters of text to sample from the trained model onto stdout (0 = none). */
  sample: number;
}

/** Memory budget per device: half the machine's RAM shared by the devices. */
export const memoryBudget = (devices: number): number => totalmem() / 2 / devices;

/** Train on one device as configured; returns the final validation loss. */
export async function runSingle(cfg: RunConfig, data: Dataset, o: RunOptions): Promise<{ valBefore: number; valAfter: number; tokensPerS: number }> {
  checkMemory(cfg, data.tokenizer.vocabSize, memoryBudget(cfg.devices)); // refuse before opening a device
  const log = (s: string) => o.quiet || process.stderr.write(s + '\n');
  const be = await createBackend(cfg.backend); // auto: times a probe step on each backend first
  try {
    return await train(cfg, data, o, be, log);
  } finally {
    be.close(); // destroys the GPUDevice and drops the GPU object, or Node would not exit
  }
}

async function train(cfg: RunConfig, data: Dataset, o: RunOptions, be: RunBackend, log: (s: string) => void) {
  const V = data.tokenizer.vocabSize;
  const mem = checkMemory(cfg, V, memoryBudget(cfg.devices));
  const mc = modelConfigOf(cfg, V);
  const trainer = new SingleDeviceTrainer(be.backend, cfg, data); // validates the data against the batch first
  log(be.detail);
  log(`data ${data.name}: ${data.train.length} train / ${data.val.length} val tokens, vocabulary ${V}; model ${mem.params} parameters, ~${fmt(mem.total)} per device`);
  const meta = { run_config: JSON.stringify(cfg) };
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, 'metrics.jsonl'), '');
    if (o.saveInit) writeFileSync(join(o.out, 'init.safetensors'), exportWeights(mc, await trainer.replica.getParams(), data.tokenizer, meta));
  }
  const valBefore = await trainer.evaluate();
  const bar = new Progress(cfg.steps);
  if (!o.quiet) bar.log(`val loss before training ${valBefore.toFixed(4)}`);
  const t0 = performance.now();
  let valAfter = valBefore;
  try {
    while (trainer.step < cfg.steps) {
      const m = await trainer.trainStep();
      if (o.out) appendFileSync(join(o.out, 'metrics.jsonl'), JSON.stringify({ ...m, backend: be.name }) + '\n');
      if (m.val_loss !== undefined) {
        valAfter = m.val_loss;
        if (!o.quiet) bar.log(`step ${m.step}: val loss ${m.val_loss.toFixed(4)}${m.val_loss_ema !== undefined ? ` (EMA ${m.val_loss_ema.toFixed(4)})` : ''}`);
      }
      if (!o.quiet) bar.update(m.step, m.loss, m.tokens_per_s);
    }
  } finally {
    if (!o.quiet) bar.done();
  }
  const tokensPerS = (trainer.tokens * 1000) / (performance.now() - t0);
  const msPerStep = (performance.now() - t0) / Math.max(1, trainer.step);
  if (o.out) writeFileSync(join(o.out, 'final.safetensors'), exportWeights(mc, await trainer.replica.getParams(), data.tokenizer, meta));
  log(`done: val loss ${valBefore.toFixed(4)} -> ${valAfter.toFixed(4)}, ${Math.round(tokensPerS)} tokens/s, ${msPerStep.toFixed(1)} ms/step on ${be.name}${o.out ? `; wrote ${o.out}/metrics.jsonl, final.safetensors` : ''}`);
  if (o.sample > 0) console.log(await generate(trainer.replica.model, data.tokenizer, '', o.sample, { temperature: 0.8, topK: 20, seed: cfg.seed }));
  trainer.destroy();
  return { valBefore, valAfter, tokensPerS };
}
