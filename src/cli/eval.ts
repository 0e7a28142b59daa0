// `npm run eval -- --weights FILE.safetensors [--data FILE|task] [--windows N] [--backend cpu|webgpu|auto]`:
// prints {"loss": ...}, the mean per-token loss over non-overlapping windows of the data (its validation
// split for brown and tasks), encoded with the model's own vocabulary.
import { importCheckpoint, isCheckpointMetadata } from '../engine/checkpoint';
import { parseConfig } from '../engine/config';
import { isTask } from '../engine/data/tasks';
import { makeBatch, makeDataset } from '../engine/data/dataset';
import { checkMemory } from '../engine/memory';
import { GPT } from '../engine/model/gpt';
import { importWeights } from '../engine/train/weights';
import { readOptionFile, readOptions, UserError } from './args';
import { createBackend } from '../engine/backend/create';
import { nodeGpu, releaseNodeGpu } from '../workers/node-gpu';
import { loadData, loadText } from './data';
import { runMain } from './main';
import { memoryBudget } from './node-run';

const USAGE = 'use --weights FILE --data FILE|task [--windows N] [--backend cpu|webgpu|auto]';

await runMain('eval', async () => {
  const f = readOptions(process.argv.slice(2), { weights: true, data: true, windows: true, backend: true, help: false }, USAGE);
  if (f.help) {
    console.log(`npm run eval -- --weights FILE.safetensors [--data FILE|task] [--windows N] [--backend cpu|webgpu|auto]
  --weights   a weights file or checkpoint (.safetensors) from train, export or the page
  --data      brown or a task (their validation split), or a text file (all of it); default brown
  --windows   at most this many non-overlapping windows of the model's block size (default 256)
  --backend   cpu, webgpu or auto (default cpu)
prints {"loss": L}: the mean per-token cross-entropy in nats`);
    return;
  }
  if (!f.weights) throw new UserError('--weights FILE.safetensors is required');
  const kind = f.backend ?? 'cpu';
  if (kind !== 'cpu' && kind !== 'webgpu' && kind !== 'auto') throw new UserError(`--backend must be one of cpu|webgpu|auto, got ${kind}`);
  const bytes = readOptionFile('--weights', f.weights);
  const w = importWeights(bytes);
  // a checkpoint records each tensor's SHA-256: a flipped bit must not be evaluated as if it were the model
  if (isCheckpointMetadata(w.metadata)) await importCheckpoint(bytes);
  const data = f.data ?? 'brown';
  // brown and tasks: their validation split; a file: all of it
  const stream = data === 'brown' || isTask(data) ? loadData(data, w.tokenizer).val : encode(data, w);
  const maxWindows = f.windows === undefined ? 256 : Number(f.windows);
  if (!(Number.isInteger(maxWindows) && maxWindows >= 1)) throw new UserError(`--windows must be a positive integer, got ${f.windows}`);
  const T = w.cfg.blockSize;
  const count = Math.min(maxWindows, Math.floor((stream.length - 1) / T));
  if (count < 1) throw new UserError(`--data has ${stream.length} tokens, fewer than one window of ${T + 1}`);
  const B = Math.min(16, count);
  // The model's activations for B windows must fit before anything is allocated (no optimizer state here).
  const { vocabSize, ...shape } = w.cfg;
  checkMemory(parseConfig({ ...shape, microBatch: B, optimizer: 'sgd', momentum: 0, warmup: 0 }), vocabSize, memoryBudget(1));
  const be = await createBackend(kind, kind === 'cpu' ? {} : await nodeGpu());
  if (kind !== 'cpu') console.error(be.detail); // stdout stays one JSON line
  let sum = 0;
  try {
    const model = new GPT(be.backend, w.cfg, B);
    model.setParams(w.params);
    for (let i = 0; i < count; i += B) {
      const offsets = Array.from({ length: Math.min(B, count - i) }, (_, j) => (i + j) * T);
      const b = makeBatch(stream, offsets, T);
      sum += await model.forwardLoss(b.ids, b.targets, b.B, T);
    }
  } finally {
    be.close(); // the GPUDevice and GPU object would keep Node alive
    releaseNodeGpu();
  }
  console.log(JSON.stringify({ loss: sum / (count * T), windows: count, tokens: count * T }));
});

function encode(file: string, w: ReturnType<typeof importWeights>): Uint16Array {
  try {
    return makeDataset(file, loadText(file), 0, w.tokenizer).train;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`--data: ${(e as Error).message} of the model`);
  }
}
