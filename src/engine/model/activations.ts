// Every buffer the GPT's forward and backward touch besides parameters and gradients, allocated once for
// maxBatch x blockSize rows. A call with B*T < maxBatch*blockSize rows uses a prefix of each buffer.
// R = maxBatch * blockSize rows, C = nEmbd, V = vocab, H = heads, L = layers; all f32.
import type { Backend, Buffer } from '../backend/types';
import type { ModelConfig } from './config';

/** Saved forward state of one transformer block. */
export interface LayerActs {
  ln1: Buffer; ln1Mean: Buffer; ln1Rstd: Buffer; // LayerNorm 1 output [R,C] and its row stats [R]
  qkv: Buffer; // c_attn output [R,3C]
  att: Buffer; lse: Buffer; // attention output [R,C] (heads concatenated), log-sum-exp [B,H,T]
  res1: Buffer; // residual after attention [R,C]
  ln2: Buffer; ln2Mean: Buffer; ln2Rstd: Buffer;
  fc: Buffer; gelu: Buffer; // c_fc output before and after GELU [R,4C]
  res2: Buffer; // residual after the MLP = next block's input [R,C]
}

export interface Activations {
  ids: Buffer; targets: Buffer; // [R] token ids as f32
  x0: Buffer; // embedding output [R,C]
  layers: LayerActs[];
  lnf: Buffer; lnfMean: Buffer; lnfRstd: Buffer;
  logits: Buffer; dlogits: Buffer; losses: Buffer; // [R,V], [R,V], [R]
  // backward scratch, reused by every layer
  dres: Buffer; dtmp: Buffer; tmp: Buffer; // [R,C]
  dqkv: Buffer; // [R,3C]
  dfc: Buffer; dgelu: Buffer; // [R,4C]
}

/** Allocate all activation and scratch buffers for up to maxBatch sequences of blockSize tokens. */
export function allocActivations(be: Backend, cfg: ModelConfig, maxBatch: number): { acts: Activations; all: Buffer[] } {
  const R = maxBatch * cfg.blockSize;
  const C = cfg.nEmbd;
  const all: Buffer[] = [];
  const a = (n: number, label: string): Buffer => {
    const b = be.alloc(n, label);
    all.push(b);
    return b;
  };
  const layers: LayerActs[] = [];
  for (let l = 0; l < cfg.nLayer; l++) {
    layers.push({
      ln1: a(R * C, `h${l}.ln1`), ln1Mean: a(R, `h${l}.ln1.mean`), ln1Rstd: a(R, `h${l}.ln1.rstd`),
      qkv: a(R * 3 * C, `h${l}.qkv`), att: a(R * C, `h${l}.att`), lse: a(maxBatch * cfg.nHead * cfg.blockSize, `h${l}.lse`),
      res1: a(R * C, `h${l}.res1`),
      ln2: a(R * C, `h${l}.ln2`), ln2Mean: a(R, `h${l}.ln2.mean`), ln2Rstd: a(R, `h${l}.ln2.rstd`),
      fc: a(R * 4 * C, `h${l}.fc`), gelu: a(R * 4 * C, `h${l}.gelu`), res2: a(R * C, `h${l}.res2`),
    });
  }
  const acts: Activations = {
    ids: a(R, 'ids'), targets: a(R, 'targets'), x0: a(R * C, 'x0'), layers,
    lnf: a(R * C, 'lnf'), lnfMean: a(R, 'lnf.mean'), lnfRstd: a(R, 'lnf.rstd'),
    logits: a(R * cfg.vocabSize, 'logits'), dlogits: a(R * cfg.vocabSize, 'dlogits'), losses: a(R, 'losses'),
    dres: a(R * C, 'dres'), dtmp: a(R * C, 'dtmp'), tmp: a(R * C, 'tmp'), dqkv: a(R * 3 * C, 'dqkv'),
    dfc: a(R * 4 * C, 'dfc'), dgelu: a(R * 4 * C, 'dgelu'),
  };
  return { acts, all };
}
