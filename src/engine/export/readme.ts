// README.md of a nanoGPT bundle: what each file is and the exact commands, in order.
// Legend: N = devices, S = the checkpoint's step, steps = the run's total.

import { globalBatch, type RunConfig } from '../config';
import { isTask } from '../data/tasks';
import { converterCommand, cpuCommand, shellWord, torchrunCommand } from './commands';
import { outDirOf } from './name';

export interface ReadmeInput {
  name: string;
  config: RunConfig;
  step: number;
  vocabSize: number;
  params: number;
  /** what the bundle was made from */
  source: string;
  /** where the bundle is (the converter's path in the commands) */
  dir: string;
  /** true when the optimizer state is fresh (the source had weights only) */
  freshOptimizer: boolean;
  notes: string[];
}

/** Always true of an export, whatever the settings (docs/export.md has the reasons). */
const ALWAYS = [
  'the sampling order: nanoGPT draws random windows with its own seed (1337 + rank), ringlab a seeded permutation per epoch, so the losses agree as curves, not number for number',
  'the simulated distribution (allreduce algorithm, buckets, fp16 compression, ZeRO-1, link bandwidth and latency, slow device, fault injection): nanoGPT averages gradients with DDP over NCCL; the mathematics of a step is the same',
];

/** How to get ringlab's number for the converter's validation loss: `npm run eval` evaluates the
 *  validation split of brown and the tasks on the same windows, but all of a text file. */
const evalHint = (data: string, dir: string): string => (data === 'brown' || isTask(data)
  ? `the windows of \`npm run eval -- --weights ${shellWord(`${dir}/checkpoint.safetensors`)} --data ${data}\` (in ringlab), which gives the same number`
  : `the windows \`npm run eval\` would take from that split (for a text file \`npm run eval --data\` evaluates the whole file instead)`);

/** The README text of a bundle. */
export function bundleReadme(r: ReadmeInput): string {
  const c = r.config;
  const G = globalBatch(c);
  const optimizer = r.freshOptimizer
    ? 'weights only (the source had no optimizer state): AdamW starts afresh'
    : 'weights and AdamW state (m, v, step count)';
  return `# nanoGPT bundle: ${r.name}

Written by \`npm run export\` (ringlab) from ${r.source}: step ${r.step} of ${c.steps}, a ${c.nLayer}-layer GPT
(n_head ${c.nHead}, n_embd ${c.nEmbd}, block_size ${c.blockSize}, vocabulary ${r.vocabSize}, ${r.params} parameters) trained on
\`${c.data}\` with a global batch of ${G} sequences (${c.devices} device(s) x micro-batch ${c.microBatch} x accumulation ${c.accum}).

| file | what |
| --- | --- |
| \`config/${r.name}.py\` | settings for nanoGPT's \`train.py\`: the same model, global batch, schedule, AdamW and clipping; \`init_from = 'resume'\` |
| \`data/${r.name}/train.bin\`, \`val.bin\` | the run's tokens as uint16, split as ringlab splits them (first 90% / last 10%) |
| \`data/${r.name}/vocab.json\` | the vocabulary (id = index); the converter writes nanoGPT's \`meta.pkl\` from it |
| \`checkpoint.safetensors\` | the ringlab checkpoint: ${optimizer}, under nanoGPT's parameter names |
| \`bundle.json\` | what the converter reads besides the checkpoint and the config: the name, the files, best_val_loss |
| \`to_nanogpt.py\` | the converter (needs torch and numpy) |

## Continue the run in nanoGPT

From nanoGPT's root (\`git clone https://github.com/karpathy/nanoGPT\`):

\`\`\`sh
${converterCommand(r.dir)}
\`\`\`

It writes \`${outDirOf(r.name)}/ckpt.pt\` (model, optimizer, model_args, iter_num ${r.step}, best_val_loss, config) and
\`data/${r.name}/meta.pkl\`, copies \`config/${r.name}.py\` and the \`.bin\` files into nanoGPT's tree, checks that nanoGPT's
\`GPT\` loads the weights strictly and its AdamW takes the state, and prints the validation loss on up to 256
windows of \`val.bin\`, ${evalHint(c.data, r.dir)}. Then, on ${c.devices} CUDA GPU(s):

\`\`\`sh
${torchrunCommand(c, r.name, c.devices)}
\`\`\`

or on a machine without CUDA (nanoGPT's DDP path needs CUDA; one process accumulates all ${c.devices * c.accum} micro-batches,
the same global batch):

\`\`\`sh
${cpuCommand(r.name)}
\`\`\`

nanoGPT resumes at iteration ${r.step}, evaluates when the iteration is a multiple of \`eval_interval\`, and trains to
\`max_iters = ${c.steps}\` (it also runs iteration \`max_iters\` itself, after its last save). To train further, add
\`--max_iters=M\`; the learning rate stays at \`min_lr\` after \`lr_decay_iters\` (adding \`--lr_decay_iters=M\` stretches
the cosine instead, which changes the learning rate from the resumed step on).

## Not carried over

${[...r.notes, ...ALWAYS].map((n) => `- ${n}`).join('\n')}
`;
}
