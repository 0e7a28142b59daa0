// `npm run train -- [options]`: trains a GPT headless with the same engine and settings as the page.
// See --help; flags override --config. Single-device runs go through runSingle, several devices (one
// worker_thread each) through runMulti.
import { parseCli, settingsHelp, UserError } from './args';
import { loadData } from './data';
import { runMain } from './main';
import { runSingle } from './run-single';
import { runMulti } from '../workers/run-multi';

const extraFlags = { out: true, 'save-init': false, resume: true, quiet: false, sample: true, help: false } as const;

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
  const data = loadData(config.data);
  const opts = { out: extra.out as string | undefined, saveInit: extra['save-init'] === true, quiet: extra.quiet === true, sample };
  await (config.devices > 1 ? runMulti(config, data, opts) : runSingle(config, data, opts));
});
