// Shared by the checkpoint tests (and the child process of the crash test, so no vitest here): small,
// fully random training states (every tensor distinct, so a mix-up of two tensors shows), a bit-exact
// view of a state, and a raw safetensors header rewriter.
// Legend: P = parameters (P = 1,032 for the tiny model below: V=10, T=8, L=1, C=8).
import { parseConfig, type RunConfigInput } from '../../src/engine/config';
import { CharTokenizer } from '../../src/engine/data/tokenizer';
import { numParams } from '../../src/engine/model/params';
import { Rng } from '../../src/engine/rng';
import { slotNames, type TrainingState } from '../../src/engine/checkpoint';

export const tok = CharTokenizer.fromText('abcdefgh \n');
export const tinyModel = { nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 8 } as const;

/** Values of a tensor from one seed: normal(0, 1) scaled, so every tensor and step differs. */
export function randomArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  new Rng(seed).fillNormal(a, 0.5);
  return a;
}

/** A random, valid TrainingState; `shards` cuts [0, P) into that many optimizer shards (ZeRO-1). */
export function makeState(over: RunConfigInput = {}, o: { step?: number; shards?: number; seed?: number } = {}): TrainingState {
  const { step = 7, shards = 1, seed = 1 } = o;
  const config = parseConfig({ ...tinyModel, steps: 100, warmup: 5, ...(shards > 1 ? { devices: shards, zero: 1 } : {}), ...over });
  const P = numParams({ vocabSize: tok.vocabSize, ...tinyModel, ...pick(config) });
  const cuts = Array.from({ length: shards + 1 }, (_, i) => Math.round((i * P) / shards));
  const slots = slotNames(config);
  return {
    config, vocab: tok.toJSON(), dataHash: 'ab'.repeat(32), step, tokens: step * 8 * 8,
    params: randomArray(P, seed), ema: config.emaDecay > 0 ? randomArray(P, seed + 1) : null,
    optimizer: {
      name: config.optimizer, t: Math.max(0, step - 1),
      shards: cuts.slice(0, -1).map((lo, i) => ({ lo, hi: cuts[i + 1], slots: slots.map((_, k) => randomArray(cuts[i + 1] - lo, seed + 10 + 3 * i + k)) })),
    },
    scaler: { scale: 32768, growthTracker: 3 }, history: [{ step: 1, loss: 2.5 }, { step: 2, loss: 2.25, val_loss: 2.4 }], savedAt: 1_700_000_000_000 + step,
  };
}
const pick = (c: { nLayer: number; nHead: number; nEmbd: number; blockSize: number }) => ({ nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd, blockSize: c.blockSize });

const bits = (a: Float32Array | null) => (a ? Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)) : null);

/** A state with every f32 as its 32 bits: toEqual on two of these is bit-exact (-0 vs 0 would show). */
export const stateBits = (s: TrainingState) => ({
  ...s, params: bits(s.params), ema: bits(s.ema),
  optimizer: { ...s.optimizer, shards: s.optimizer.shards.map((sh) => ({ ...sh, slots: sh.slots.map(bits) })) },
});

/** Rebuild a safetensors file after editing its parsed header; the data bytes stay as they were. */
export function rewriteHeader(bytes: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array { // eslint-disable-line @typescript-eslint/no-explicit-any
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(h);
  const head = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + head.length + bytes.length - 8 - n);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 8);
  out.set(bytes.subarray(8 + n), 8 + head.length);
  return out;
}
