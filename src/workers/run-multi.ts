// `npm run train -- --devices N ...`: one worker_thread per device, driven by the coordinator. Writes
// the same files as a single-device run (metrics.jsonl with per-device fields and samples, final and
// init safetensors) plus DIR/devices.json (each device's backend, ZeRO shard and model-state memory).
// Node only. Legend: N = devices, G = global batch in sequences, T = blockSize.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuBackend } from '../engine/backend/cpu';
import { globalBatch, modelConfigOf, type RunConfig } from '../engine/config';
import { fixedWindows, windowCount, type Dataset } from '../engine/data/dataset';
import { GlobalSampler } from '../engine/data/sampler';
import { generate } from '../engine/generate';
import { checkMemory, fmt } from '../engine/memory';
import { GPT } from '../engine/model/gpt';
import { DivergenceError } from '../engine/train/loop';
import { exportWeights } from '../engine/train/weights';
import { backendForDevices } from '../cli/backend';
import { Progress } from '../cli/progress';
import { memoryBudget, type RunOptions } from '../cli/run-single';
import { Coordinator, DeviceFailure } from './coordinator';
import type { DistStepMetrics } from './metrics';
import { spawnNodeWorker } from './node-spawn';

const spawn = (r: number) => spawnNodeWorker(new URL('./device.worker.ts', import.meta.url), `device ${r}`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Train on cfg.devices workers; returns validation losses and throughput. */
export async function runMulti(cfg: RunConfig, data: Dataset, o: RunOptions): Promise<{ valBefore: number; valAfter: number; tokensPerS: number }> {
  const V = data.tokenizer.vocabSize;
  const mem = checkMemory(cfg, V, memoryBudget(cfg.devices));
  // Data-size errors before any worker starts (user errors, exit 2).
  new GlobalSampler(windowCount(data.train.length, cfg.blockSize), globalBatch(cfg), cfg.seed);
  fixedWindows(data.val.length, cfg.blockSize, cfg.evalWindows);
  const log = (s: string) => o.quiet || process.stderr.write(s + '\n');
  const chosen = await backendForDevices(cfg.backend); // Vulkan env for the workers; auto decided once, here
  if (chosen.reason) log(chosen.reason);
  cfg = { ...cfg, backend: chosen.name };
  log(`data ${data.name}: ${data.train.length} train / ${data.val.length} val tokens, vocabulary ${V}; model ${mem.params} parameters, ~${fmt(mem.total)} per device`);
  const c = await Coordinator.start({ cfg, data: { train: data.train, val: data.val, vocabSize: V }, spawn, timeoutMs: 60_000 }).catch(fail);
  try {
    const m0 = c.info[0].memory;
    log(`${cfg.devices} devices (${c.info[0].backend}), ${cfg.allreduce} allreduce, buckets <= ${cfg.bucketMb} MiB${cfg.zero ? ', ZeRO-1' : ''}${cfg.compress === 'fp16' ? ', fp16 compression' : ''}; ` +
      `model state ${m0.bytesPerParam.toFixed(2)} bytes/param per device = ${m0.formula} (mixed precision would be ${m0.mixedPrecisionFormula} = ${m0.mixedPrecisionBytesPerParam.toFixed(2)})`);
    const mc = modelConfigOf(cfg, V);
    const meta = { run_config: JSON.stringify(cfg) };
    if (o.out) {
      mkdirSync(o.out, { recursive: true });
      writeFileSync(join(o.out, 'metrics.jsonl'), '');
      writeFileSync(join(o.out, 'devices.json'), JSON.stringify(c.info, null, 2) + '\n');
      if (o.saveInit) writeFileSync(join(o.out, 'init.safetensors'), exportWeights(mc, await c.params(), data.tokenizer, meta));
    }
    const valBefore = await c.evaluate();
    const bar = new Progress(cfg.steps);
    if (!o.quiet) bar.log(`val loss before training ${valBefore.toFixed(4)}`);
    const t0 = performance.now();
    let valAfter = valBefore;
    const seen: DistStepMetrics[] = [];
    try {
      while (c.step < cfg.steps) {
        const m = await c.trainStep().catch(fail);
        if ((cfg.evalEvery > 0 && m.step % cfg.evalEvery === 0) || m.step === cfg.steps) {
          m.val_loss = valAfter = await c.evaluate();
          if (cfg.emaDecay > 0) m.val_loss_ema = await c.evaluate(true);
          if (!o.quiet) bar.log(`step ${m.step}: val loss ${m.val_loss.toFixed(4)}${m.val_loss_ema !== undefined ? ` (EMA ${m.val_loss_ema.toFixed(4)})` : ''}`);
        }
        if (o.out) appendFileSync(join(o.out, 'metrics.jsonl'), JSON.stringify(m) + '\n');
        seen.push(m);
        if (!o.quiet) bar.update(m.step, m.loss, m.tokens_per_s);
      }
    } finally {
      if (!o.quiet) bar.done();
    }
    const tokensPerS = (c.tokens * 1000) / (performance.now() - t0);
    const weights = await c.params();
    if (o.out) writeFileSync(join(o.out, 'final.safetensors'), exportWeights(mc, weights, data.tokenizer, meta));
    const rest = seen.slice(1); // the first step includes warm-up
    const per = (k: 'ms_compute' | 'ms_comm' | 'ms_idle') => c.info.map((_, r) => mean(rest.map((m) => m[k][r])).toFixed(1)).join('/');
    log(`per device ms/step compute ${per('ms_compute')}, comm ${per('ms_comm')}, idle ${per('ms_idle')}; comm share ${(100 * mean(rest.map((m) => m.comm_share))).toFixed(1)}%; ` +
      `${fmt(mean(rest.map((m) => mean(m.bytes_sent))))} sent per device per step`);
    log(`done: val loss ${valBefore.toFixed(4)} -> ${valAfter.toFixed(4)}, ${Math.round(tokensPerS)} tokens/s${o.out ? `; wrote ${o.out}/metrics.jsonl, devices.json, final.safetensors` : ''}`);
    if (o.sample > 0) {
      const model = new GPT(new CpuBackend(), mc, 1);
      model.setParams(weights);
      console.log(await generate(model, data.tokenizer, '', o.sample, { temperature: 0.8, topK: 20, seed: cfg.seed }));
      model.destroy();
    }
    return { valBefore, valAfter, tokensPerS };
  } finally {
    await c.stop();
  }
}

/** A device failure is reported in one line (exit 1), divergence as the single-device loop does. */
function fail(e: unknown): never {
  if (e instanceof DeviceFailure) {
    const div = /training diverged at step (\d+): (.*?); try/.exec(e.message);
    if (div) throw new DivergenceError(Number(div[1]), div[2]);
    console.error(`npm run train: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
