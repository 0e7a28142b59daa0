// `npm run train -- [options]`: trains a GPT headless through the run driver (src/run/driver.ts), the same
// loop and settings as the page. This file only subscribes: a log and progress bar on stderr, the run
// directory (--out: metrics.jsonl, devices.json, weights, checkpoints/), and a text sample on stdout at
// the end. `--resume PATH` continues a checkpoint up to --steps (the total); its settings are the base
// that --config and flags override. See --help.
// Legend: N = devices.
import { CheckpointError, type TrainingState } from '../engine/checkpoint';
import { modelConfigOf } from '../engine/config';
import { sampleWeights } from '../engine/generate';
import { RunError } from '../engine/errors';
import { fmt } from '../engine/memory';
import { startRun } from '../run/driver';
import type { DeviceInfo } from '../run/group';
import type { StepMetrics } from '../run/metrics';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { releaseNodeGpu } from '../workers/node-gpu';
import { optionValue, parseCli, settingsHelp, UserError } from './args';
import { DiskCheckpointStore, loadResume, resolveResume } from './checkpoint-disk';
import { loadData } from './data';
import { runMain } from './main';
import { eventLine, RunFiles } from './metrics-file';
import { nodeRunEnv } from './node-run';
import { Progress } from './progress';

const extraFlags = { out: true, 'save-init': false, resume: true, 'stop-after': true, quiet: false, sample: true, help: false } as const;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const HELP = `npm run train -- [--config FILE|link] [--resume RUN_DIR|CHECKPOINT] [--out DIR] [--save-init] [--stop-after STEP] [--quiet] [--sample CHARS] [settings]`;

/** A run directory already holding a run is only continued in place (`--resume` from inside it), never
 *  mixed with a new run: its metrics would be overwritten while its checkpoints stayed and later be
 *  exported or resumed as if they were the new run's. */
function refuseUsedOut(out: string, resumeFrom: string | undefined): void {
  const held = ['metrics.jsonl', 'checkpoints', 'final.safetensors'].filter((f) => existsSync(join(out, f)));
  if (held.length === 0) return;
  const rel = resumeFrom === undefined ? null : relative(resolve(out), resolve(resumeFrom));
  if (rel !== null && !rel.startsWith('..') && !rel.startsWith('/')) return; // continuing in place
  throw new UserError(`--out ${out} already holds a run (${held.join(', ')}): choose another --out, remove it, or continue it with --resume ${out} --out ${out}`);
}

await runMain('train', async () => {
  const argv = process.argv.slice(2);
  const resumeFrom = optionValue(argv, 'resume');
  const target = resumeFrom ? await resolveResume(resumeFrom).catch((e: unknown) => {
    throw e instanceof CheckpointError && e.code === 'NOT_FOUND' ? new UserError(`--resume: ${e.message}`) : e;
  }) : null;
  const resume: TrainingState | null = target ? await loadResume(target) : null;
  const stepsGiven = optionValue(argv, 'steps');
  // before the settings' own checks, which would blame what the checkpoint brought (e.g. its warmup)
  if (resume && stepsGiven !== undefined && Number(stepsGiven) < resume.step) {
    throw new UserError(`--steps ${stepsGiven}: the checkpoint is at step ${resume.step} and --steps is the run's total, so it must be at least ${resume.step}`);
  }
  const { config, extra } = parseCli(argv, extraFlags, resume ? { ...resume.config } : {});
  if (extra.help) {
    console.log(`${HELP}\nsettings:\n${settingsHelp()}`);
    return;
  }
  const out = extra.out as string | undefined;
  if (extra['save-init'] && !out) throw new UserError('--save-init needs --out DIR');
  if (out) refuseUsedOut(out, resumeFrom);
  // A cadence asked for now needs a place; one inherited from the checkpoint being resumed is dropped
  // (said in the log) when there is no --out.
  if (config.checkpointEvery > 0 && !out && !resume) throw new UserError('--checkpoint-every needs --out DIR (checkpoints go to DIR/checkpoints/)');
  const sample = extra.sample === undefined ? 0 : Number(extra.sample);
  if (!(Number.isInteger(sample) && sample >= 0 && sample <= 100_000)) throw new UserError(`--sample must be an integer in [0, 100000], got ${extra.sample}`);
  const stopAfter = extra['stop-after'] === undefined ? null : Number(extra['stop-after']);
  if (stopAfter !== null && !(Number.isInteger(stopAfter) && stopAfter >= 1)) throw new UserError(`--stop-after must be a step >= 1, got ${extra['stop-after']}`);
  const quiet = extra.quiet === true;
  const data = loadData(config.data);
  const log = (s: string) => quiet || process.stderr.write(s + '\n');
  if (config.checkpointEvery > 0 && !out) log('no --out: this run writes no checkpoints');

  const bar = new Progress(config.steps);
  const stop = new AbortController();
  const env = nodeRunEnv(config, {
    wantInitParams: extra['save-init'] === true,
    checkpoints: out ? new DiskCheckpointStore(out) : undefined,
    resume: resume ?? undefined,
    signal: stop.signal,
  });
  let files: RunFiles | null = null;
  let info: DeviceInfo[] = [];
  let valBefore = NaN, valAfter = NaN, devices = config.devices, tokensBefore = 0;
  const seen: StepMetrics[] = [];
  try {
    for await (const ev of startRun(config, data, env)) {
      switch (ev.type) {
        case 'started': {
          const { cfg, memory: mem } = ev;
          if (ev.backendReason) log(ev.backendReason);
          if (ev.resumed) log(`resuming from ${resumeFrom} at step ${ev.resumed.step} of ${cfg.steps}${ev.resumed.step === cfg.steps ? ': nothing left to train (raise --steps to go on)' : ''}`);
          tokensBefore = ev.resumed?.history.at(-1)?.tokens ?? 0;
          log(`data ${data.name}: ${data.train.length} train / ${data.val.length} val tokens, vocabulary ${ev.data.vocabSize}; model ${mem.params} parameters, ~${fmt(mem.total)} per device`);
          const m0 = ev.devices[0].memory;
          if (cfg.devices === 1) log(ev.devices[0].backendDetail);
          else log(`${cfg.devices} devices (${ev.devices[0].backend}), ${cfg.allreduce} allreduce, buckets <= ${cfg.bucketMb} MiB${cfg.zero ? ', ZeRO-1' : ''}${cfg.compress === 'fp16' ? ', fp16 compression' : ''}; ` +
            `model state ${m0.bytesPerParam.toFixed(2)} bytes/param per device = ${m0.formula} (mixed precision would be ${m0.mixedPrecisionFormula} = ${m0.mixedPrecisionBytesPerParam.toFixed(2)})`);
          if (out) {
            files = new RunFiles(out, cfg, data.tokenizer, ev.resumed?.step ?? null);
            files.devices((info = ev.devices));
            if (ev.initParams) files.weights('init', ev.initParams);
          }
          break;
        }
        case 'eval':
          if (Number.isNaN(valBefore)) {
            valBefore = valAfter = ev.valLoss;
            if (!quiet) bar.log(`val loss ${ev.step ? `at step ${ev.step}` : 'before training'} ${ev.valLoss.toFixed(4)}`);
          } else {
            valAfter = ev.valLoss;
            if (!quiet) bar.log(`step ${ev.step}: val loss ${ev.valLoss.toFixed(4)}${ev.valLossEma !== undefined ? ` (EMA ${ev.valLossEma.toFixed(4)})` : ''}`);
          }
          break;
        case 'step':
          files?.step(ev.metrics);
          seen.push(ev.metrics);
          if (!quiet) bar.update(ev.metrics.step, ev.metrics.loss, ev.metrics.tokensPerS);
          if (stopAfter !== null && ev.metrics.step >= stopAfter) stop.abort();
          break;
        case 'checkpoint':
          if (ev.error) bar.log(`warning: ${ev.error}`);
          else if (!quiet) bar.log(`checkpoint ${out}/checkpoints/${ev.id} (${fmt(ev.bytes)}, ${ev.ms.toFixed(0)} ms)`);
          break;
        case 'fault':
          files?.event(eventLine(ev, config.recovery, ev.devices));
          bar.log(`device ${ev.id} failed at step ${ev.failure.step} (${ev.failure.code}, noticed by ${ev.detectedBy} after ${ev.msToDetect.toFixed(0)} ms): ${ev.failure.message}`);
          break;
        case 'recovered':
          devices = ev.devices;
          info = ev.ids.map((id, rank) => ({ ...info.find((d) => d.id === id)!, rank }));
          files?.event(eventLine(ev, config.recovery, ev.devices));
          bar.log(`recovered (${ev.policy}) in ${ev.msToRecover.toFixed(0)} ms: ${ev.note}; ${ev.stepsRedone} step(s) redone, ${ev.devices} device(s)`);
          break;
        case 'finished': {
          if (!quiet) bar.done();
          files?.weights('final', ev.params);
          files?.devices(info, seen.at(-1) ?? null); // with what each device measured
          // this process's tokens: a resumed run's checkpoint brought the others
          const tokensPerS = ev.ms > 0 ? ((ev.tokens - tokensBefore) * 1000) / ev.ms : 0;
          const rest = seen.slice(1); // the first step includes warm-up
          const N = Math.min(...rest.map((m) => m.msCompute.length), devices);
          if (N > 1 && rest.length > 0) {
            const per = (k: 'msCompute' | 'msComm' | 'msIdle') => Array.from({ length: N }, (_, r) => mean(rest.map((m) => m[k][r])).toFixed(1)).join('/');
            log(`per device ms/step compute ${per('msCompute')}, comm ${per('msComm')}, idle ${per('msIdle')}; comm share ${(100 * mean(rest.map((m) => m.commShare))).toFixed(1)}%; ` +
              `${fmt(mean(rest.map((m) => mean(m.bytesSent))))} sent per device per step`);
          }
          const what = ev.reason === 'stopped' ? `stopped at step ${ev.step} of ${config.steps}` : 'done';
          const speed = seen.length > 0 ? `, ${Math.round(tokensPerS)} tokens/s over the run (evaluations included), ${(ev.ms / seen.length).toFixed(1)} ms/step on ${seen[0].backend}` : ', no step trained';
          log(`${what}: val loss ${valBefore.toFixed(4)} -> ${valAfter.toFixed(4)} (${config.evalWindows} validation windows)${speed}` +
            `${out ? `; wrote ${out}/metrics.jsonl, devices.json, final.safetensors` : ''}`);
          if (sample > 0) console.log(await sampleWeights(modelConfigOf(config, data.tokenizer.vocabSize), data.tokenizer, ev.params, sample, config.seed));
          break;
        }
        case 'failed':
          if (!quiet) bar.done();
          files?.event(eventLine(ev, config.recovery, devices));
          throw new RunError(ev.failure);
      }
    }
  } finally {
    releaseNodeGpu();
  }
});
