// Validation loss on fixed windows (the same windows for every split of the batch), with the current
// weights or the EMA weights. Costs one forward pass per ceil(windows / maxBatch) batches.
// Legend: W = windows, T = blockSize, B = batch (<= the model's maxBatch).

import { makeBatch } from '../data/dataset';
import type { Replica } from './replica';

/** Mean per-token loss over windows at `offsets` of `stream`, in batches of at most `batch`. */
export async function evalLoss(r: Replica, stream: Uint16Array, offsets: number[], batch: number, useEma = false): Promise<number> {
  const T = r.cfg.blockSize;
  let saved: Float32Array | null = null;
  if (useEma) {
    if (!r.ema) throw new Error('EMA evaluation needs emaDecay > 0');
    saved = await r.getParams();
    r.setParams(await r.ema.read());
  }
  try {
    let sum = 0;
    for (let i = 0; i < offsets.length; i += batch) {
      const b = makeBatch(stream, offsets.slice(i, i + batch), T);
      sum += await r.model.forwardLoss(b.ids, b.targets, b.B, T);
    }
    return sum / (offsets.length * T);
  } finally {
    if (saved) r.setParams(saved);
  }
}
