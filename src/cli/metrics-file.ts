// The run directory of `npm run train --out DIR`: metrics.jsonl (one line per optimizer step, in the
// snake_case names of the command-line contract, product.md), devices.json, init.safetensors and
// final.safetensors. The only place the contract's spelling is made. Node only.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelConfigOf, type RunConfig } from '../engine/config';
import type { CharTokenizer } from '../engine/data/tokenizer';
import type { CollectiveStat } from '../engine/dist/report';
import { exportWeights } from '../engine/train/weights';
import type { DeviceInfo } from '../run/group';
import type { StepMetrics } from '../run/metrics';

const collective = (c: CollectiveStat) => ({ name: c.name, bytes: c.bytes, ms: c.ms, algbw_GBps: c.algbwGBps, busbw_GBps: c.busbwGBps });

/** One metrics.jsonl object: the same keys for 1 and N devices (val_loss* only on evaluation steps). */
export function metricsLine(m: StepMetrics): Record<string, unknown> {
  return {
    step: m.step, loss: m.loss, lr: m.lr, grad_norm: m.gradNorm, loss_scale: m.lossScale, skipped: m.skipped,
    tokens: m.tokens, tokens_per_s: m.tokensPerS, ms_step: m.msStep,
    ms_compute: m.msCompute, ms_comm: m.msComm, ms_idle: m.msIdle, bytes_sent: m.bytesSent,
    samples: m.samples, epoch: m.epoch, backend: m.backend,
    bytes_per_link: m.bytesPerLink, collectives: m.collectives.map(collective), timeline: m.timeline, comm_share: m.commShare,
    ...(m.valLoss !== undefined ? { val_loss: m.valLoss } : {}),
    ...(m.valLossEma !== undefined ? { val_loss_ema: m.valLossEma } : {}),
  };
}

/** Writes a run's files under `dir` as the events arrive. */
export class RunFiles {
  private readonly meta: Record<string, string>;

  constructor(readonly dir: string, private readonly cfg: RunConfig, private readonly tokenizer: CharTokenizer) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metrics.jsonl'), '');
    this.meta = { run_config: JSON.stringify(cfg) };
  }

  devices(info: DeviceInfo[]): void {
    writeFileSync(join(this.dir, 'devices.json'), JSON.stringify(info, null, 2) + '\n');
  }

  step(m: StepMetrics): void {
    appendFileSync(join(this.dir, 'metrics.jsonl'), JSON.stringify(metricsLine(m)) + '\n');
  }

  /** `name`.safetensors with nanoGPT names, vocabulary and settings in __metadata__. */
  weights(name: 'init' | 'final', params: Float32Array): void {
    const mc = modelConfigOf(this.cfg, this.tokenizer.vocabSize);
    writeFileSync(join(this.dir, `${name}.safetensors`), exportWeights(mc, params, this.tokenizer, this.meta));
  }
}
