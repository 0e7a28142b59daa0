// The run directory of `npm run train --out DIR`: metrics.jsonl (one line per optimizer step, in the
// snake_case names of the command-line contract, product.md), devices.json, init.safetensors and
// final.safetensors. The only place the contract's spelling is made. Node only.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelConfigOf, type RunConfig } from '../engine/config';
import type { CharTokenizer } from '../engine/data/tokenizer';
import type { CollectiveStat } from '../engine/dist/report';
import { exportWeights } from '../engine/train/weights';
import type { FailedEvent, FaultEvent, RecoveredEvent } from '../run/events';
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
    readback_bytes: m.readbackBytes, grads_peak_bytes: m.memory.map((u) => u.peak.grads),
    ...(m.valLoss !== undefined ? { val_loss: m.valLoss } : {}),
    ...(m.valLossEma !== undefined ? { val_loss_ema: m.valLossEma } : {}),
  };
}

/** A fault, recovery or failure as a metrics.jsonl line: an `event` key and no `loss`, with the same keys
 *  for every event (null where the event does not know the value). */
export function eventLine(ev: FaultEvent | RecoveredEvent | FailedEvent, policy: RunConfig['recovery'], devices: number): Record<string, unknown> {
  const f = ev.failure;
  const base = { event: ev.type, code: f.code, rank: f.rank, step: f.step, message: f.message, policy, detected_by: null, ms_to_detect: null, steps_redone: null, ms_to_recover: null, devices };
  if (ev.type === 'fault') return { ...base, device: ev.id, detected_by: ev.detectedBy, ms_to_detect: Math.round(ev.msToDetect), devices: ev.devices };
  if (ev.type === 'recovered') return { ...base, device: ev.id, resumed_at: ev.step, steps_redone: ev.stepsRedone, ms_to_recover: Math.round(ev.msToRecover), devices: ev.devices, note: ev.note };
  return base;
}

/** Writes a run's files under `dir` as the events arrive. */
export class RunFiles {
  private readonly meta: Record<string, string>;

  /** `resumeStep`: the run continues a checkpoint at that step in this directory: metrics.jsonl keeps
   *  its lines up to that step (later ones were never part of the resumed run) and goes on appending. */
  constructor(readonly dir: string, private readonly cfg: RunConfig, private readonly tokenizer: CharTokenizer, resumeStep: number | null = null) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'metrics.jsonl');
    const kept = resumeStep !== null && existsSync(file)
      ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() && lineStep(l) <= resumeStep).map((l) => l + '\n').join('')
      : '';
    writeFileSync(file, kept);
    this.meta = { run_config: JSON.stringify(cfg) };
  }

  event(line: Record<string, unknown>): void {
    appendFileSync(join(this.dir, 'metrics.jsonl'), JSON.stringify(line) + '\n');
  }

  /** devices.json: each device's backend, shard and model-state memory; once a step has been measured,
   *  also what its backend really held (`memory.measured`, bytes per kind, peak in the step) with
   *  `grads_peak_bytes` and `readback_bytes_per_step`. */
  devices(info: DeviceInfo[], last: StepMetrics | null = null): void {
    const rows = info.map((d, r) => {
      const use = last?.memory[r];
      if (!use) return d;
      const memory = { ...d.memory, measured: use.peak, grads_peak_bytes: use.peak.grads, readback_bytes_per_step: last!.readbackBytes[r] };
      return { ...d, memory };
    });
    writeFileSync(join(this.dir, 'devices.json'), JSON.stringify(rows, null, 2) + '\n');
  }

  step(m: StepMetrics): void {
    this.event(metricsLine(m));
  }

  /** `name`.safetensors with nanoGPT names, vocabulary and settings in __metadata__. */
  weights(name: 'init' | 'final', params: Float32Array): void {
    const mc = modelConfigOf(this.cfg, this.tokenizer.vocabSize);
    writeFileSync(join(this.dir, `${name}.safetensors`), exportWeights(mc, params, this.tokenizer, this.meta));
  }
}

/** The step of a metrics.jsonl line (Infinity for a line that cannot be read: it is dropped on resume). */
function lineStep(line: string): number {
  try {
    const s = JSON.parse(line).step;
    return typeof s === 'number' ? s : Infinity;
  } catch {
    return Infinity;
  }
}
