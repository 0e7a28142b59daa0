// `npm run train -- [options]`: trains a GPT headless through the run driver (src/run/driver.ts), the same
// loop and settings as the page. This file only subscribes: a log and progress bar on stderr, the run
// directory (--out), and a text sample on stdout at the end. See --help; flags override --config.
// Legend: N = devices.
import { CpuBackend } from '../engine/backend/cpu';
import { modelConfigOf, type RunConfig } from '../engine/config';
import type { CharTokenizer } from '../engine/data/tokenizer';
import { generate } from '../engine/generate';
import { RunError } from '../engine/errors';
import { fmt } from '../engine/memory';
import { GPT } from '../engine/model/gpt';
import { startRun } from '../run/driver';
import type { StepMetrics } from '../run/metrics';
import { releaseNodeGpu } from '../workers/node-gpu';
import { parseCli, settingsHelp, UserError } from './args';
import { loadData } from './data';
import { runMain } from './main';
import { RunFiles } from './metrics-file';
import { nodeRunEnv } from './node-run';
import { Progress } from './progress';

const extraFlags = { out: true, 'save-init': false, resume: true, quiet: false, sample: true, help: false } as const;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

await runMain('train', async () => {
  const { config, extra } = parseCli(process.argv.slice(2), extraFlags);
  if (extra.help) {
    console.log(`npm run train -- [--config FILE|link] [--out DIR] [--save-init] [--quiet] [--sample CHARS] [settings]\nsettings:\n${settingsHelp()}`);
    return;
  }
  if (extra['save-init'] && !extra.out) throw new UserError('--save-init needs --out DIR');
  if (extra.resume) throw new UserError('--resume: checkpoints are not available in this build yet');
  if (config.checkpointEvery > 0) throw new UserError('--checkpoint-every: checkpoints are not available in this build yet');
  if (config.killDevice) throw new UserError('--kill-device: fault injection and recovery are not available in this build yet');
  if (config.recovery !== 'restart') throw new UserError('--recovery: fault recovery is not available in this build yet');
  const sample = extra.sample === undefined ? 0 : Number(extra.sample);
  if (!(Number.isInteger(sample) && sample >= 0 && sample <= 100_000)) throw new UserError(`--sample must be an integer in [0, 100000], got ${extra.sample}`);
  const out = extra.out as string | undefined;
  const quiet = extra.quiet === true;
  const data = loadData(config.data);
  const log = (s: string) => quiet || process.stderr.write(s + '\n');

  const bar = new Progress(config.steps);
  let files: RunFiles | null = null;
  let valBefore = NaN, valAfter = NaN;
  const seen: StepMetrics[] = [];
  try {
    for await (const ev of startRun(config, data, nodeRunEnv(config.devices, { wantInitParams: extra['save-init'] === true }))) {
      switch (ev.type) {
        case 'started': {
          const { cfg, devices, memory: mem } = ev;
          if (ev.backendReason) log(ev.backendReason);
          log(`data ${data.name}: ${data.train.length} train / ${data.val.length} val tokens, vocabulary ${ev.data.vocabSize}; model ${mem.params} parameters, ~${fmt(mem.total)} per device`);
          const m0 = devices[0].memory;
          if (cfg.devices === 1) log(devices[0].backendDetail);
          else log(`${cfg.devices} devices (${devices[0].backend}), ${cfg.allreduce} allreduce, buckets <= ${cfg.bucketMb} MiB${cfg.zero ? ', ZeRO-1' : ''}${cfg.compress === 'fp16' ? ', fp16 compression' : ''}; ` +
            `model state ${m0.bytesPerParam.toFixed(2)} bytes/param per device = ${m0.formula} (mixed precision would be ${m0.mixedPrecisionFormula} = ${m0.mixedPrecisionBytesPerParam.toFixed(2)})`);
          if (out) {
            files = new RunFiles(out, cfg, data.tokenizer);
            files.devices(devices);
            if (ev.initParams) files.weights('init', ev.initParams);
          }
          break;
        }
        case 'eval':
          if (ev.step === 0) {
            valBefore = valAfter = ev.valLoss;
            if (!quiet) bar.log(`val loss before training ${ev.valLoss.toFixed(4)}`);
          } else {
            valAfter = ev.valLoss;
            if (!quiet) bar.log(`step ${ev.step}: val loss ${ev.valLoss.toFixed(4)}${ev.valLossEma !== undefined ? ` (EMA ${ev.valLossEma.toFixed(4)})` : ''}`);
          }
          break;
        case 'step':
          files?.step(ev.metrics);
          seen.push(ev.metrics);
          if (!quiet) bar.update(ev.metrics.step, ev.metrics.loss, ev.metrics.tokensPerS);
          break;
        case 'finished': {
          if (!quiet) bar.done();
          files?.weights('final', ev.params);
          const tokensPerS = (ev.tokens * 1000) / ev.ms;
          const rest = seen.slice(1); // the first step includes warm-up
          const N = config.devices;
          if (N > 1) {
            const per = (k: 'msCompute' | 'msComm' | 'msIdle') => Array.from({ length: N }, (_, r) => mean(rest.map((m) => m[k][r])).toFixed(1)).join('/');
            log(`per device ms/step compute ${per('msCompute')}, comm ${per('msComm')}, idle ${per('msIdle')}; comm share ${(100 * mean(rest.map((m) => m.commShare))).toFixed(1)}%; ` +
              `${fmt(mean(rest.map((m) => mean(m.bytesSent))))} sent per device per step`);
          }
          log(`done: val loss ${valBefore.toFixed(4)} -> ${valAfter.toFixed(4)}, ${Math.round(tokensPerS)} tokens/s, ${(ev.ms / Math.max(1, ev.step)).toFixed(1)} ms/step on ${seen[0]?.backend ?? config.backend}` +
            `${out ? `; wrote ${out}/metrics.jsonl, devices.json, final.safetensors` : ''}`);
          if (sample > 0) console.log(await sampleText(config, data.tokenizer, ev.params, sample));
          break;
        }
        case 'failed':
          if (!quiet) bar.done();
          throw new RunError(ev.failure);
      }
    }
  } finally {
    releaseNodeGpu();
  }
});

/** `count` characters from the trained weights (CPU backend, seeded). */
async function sampleText(cfg: RunConfig, tok: CharTokenizer, params: Float32Array, count: number): Promise<string> {
  const model = new GPT(new CpuBackend(), modelConfigOf(cfg, tok.vocabSize), 1);
  try {
    model.setParams(params);
    return await generate(model, tok, '', count, { temperature: 0.8, topK: 20, seed: cfg.seed });
  } finally {
    model.destroy();
  }
}
