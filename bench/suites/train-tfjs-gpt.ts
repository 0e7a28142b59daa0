// The same GPT training step written with TF.js ops, as the benchmark peer of our engine: nanoGPT layout
// (token + position embeddings, pre-LN blocks, causal attention, exact-GELU MLP, tied head), gradients by
// tf.variableGrads, global-norm clipping and AdamW (decoupled decay on 2-D weights) as tf ops.
// Legend: B = batch, T = time, C = channels, H = heads, hs = C/H, V = vocabulary, R = B*T rows.
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../src/engine/model/config';
import type { ParamSpec } from '../../src/engine/model/params';

/** tfjs-core ships its gradient functions only as extensionless ES modules (dist/register_all_gradients.js),
 *  which Node cannot load directly; bundle them once with esbuild (already installed with vite/tsx) and
 *  import the bundle. Registries and the engine are process globals in TF.js, so the bundled copy registers
 *  into the same engine (and TF.js's Tensor instanceof check is duck-typed for this case). */
export async function registerTfGradients(): Promise<void> {
  const { build } = await import('esbuild');
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const outfile = join(tmpdir(), `ringlab-tfjs-gradients-${process.pid}.mjs`);
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile, logLevel: 'silent' });
  try {
    await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

export interface TfStepOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; clip: number }

/** A TF.js GPT initialised from our flat parameters; step() runs forward, backward, clip and AdamW.
 *  embedding: 'gather' (tf.gather) or 'onehot' (oneHot(ids) @ wte, the same values): TF.js's WASM backend
 *  lacks UnsortedSegmentSum, which the gradient of gather needs. */
export function tfGpt(cfg: ModelConfig, specs: ParamSpec[], flat: Float32Array, o: TfStepOptions, embedding: 'gather' | 'onehot' = 'gather') {
  const vars = new Map<string, tf.Variable>();
  const m = new Map<string, tf.Variable>(), v = new Map<string, tf.Variable>();
  for (const s of specs) {
    vars.set(s.name, tf.variable(tf.tensor(flat.subarray(s.offset, s.offset + s.size), s.shape), true, s.name));
    m.set(s.name, tf.variable(tf.zeros(s.shape), false));
    v.set(s.name, tf.variable(tf.zeros(s.shape), false));
  }
  const P = (n: string) => vars.get(n)!;
  const { nEmbd: C, nHead: H, nLayer: L, vocabSize: V } = cfg;
  const hs = C / H;
  // functional tf ops (tfjs-core alone does not register the chained tensor methods)
  const ln = (x: tf.Tensor2D, pre: string): tf.Tensor2D => {
    const { mean, variance } = tf.moments(x, 1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), P(`${pre}.weight`)), P(`${pre}.bias`));
  };
  const linear = (x: tf.Tensor2D, pre: string): tf.Tensor2D => tf.add(tf.matMul(x, P(`${pre}.weight`) as tf.Tensor2D, false, true), P(`${pre}.bias`));
  const gelu = (x: tf.Tensor2D): tf.Tensor2D => tf.mul(tf.mul(x, tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)), 0.5);

  function loss(ids: tf.Tensor1D, targets: tf.Tensor1D, B: number, T: number): tf.Scalar {
    const mask = tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([T, T]), -1, 0), 1), 1e9); // 0 on and below the diagonal
    const heads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [B, T, H, hs]), [0, 2, 1, 3]) as tf.Tensor4D;
    const wpe = tf.slice(P('transformer.wpe.weight'), [0, 0], [T, C]);
    const wte = P('transformer.wte.weight') as tf.Tensor2D;
    const tok = embedding === 'gather' ? tf.gather(wte, ids) : tf.matMul(tf.oneHot(ids, V) as tf.Tensor2D, wte);
    let x = tf.add(tok, tf.tile(wpe, [B, 1])) as tf.Tensor2D;
    for (let l = 0; l < L; l++) {
      const h = `transformer.h.${l}`;
      const [q, k, vv] = tf.split(linear(ln(x, `${h}.ln_1`), `${h}.attn.c_attn`), 3, 1) as tf.Tensor2D[];
      const att = tf.softmax(tf.add(tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(hs)), mask));
      const y = tf.reshape(tf.transpose(tf.matMul(att, heads(vv)), [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
      x = tf.add(x, linear(y, `${h}.attn.c_proj`));
      x = tf.add(x, linear(gelu(linear(ln(x, `${h}.ln_2`), `${h}.mlp.c_fc`)), `${h}.mlp.c_proj`));
    }
    const logits = tf.matMul(ln(x, 'transformer.ln_f'), P('transformer.wte.weight') as tf.Tensor2D, false, true);
    return tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(targets, V), tf.logSoftmax(logits)), 1))) as tf.Scalar;
  }

  let t = 0;
  /** One training step; returns the loss (read back, so the step has really run). */
  function step(ids: Int32Array, targets: Int32Array, B: number, T: number, lr = o.lr): number {
    t++;
    const value = tf.tidy(() => {
      const idsT = tf.tensor1d(ids, 'int32'), tgtT = tf.tensor1d(targets, 'int32');
      const { value, grads } = tf.variableGrads(() => loss(idsT, tgtT, B, T));
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const coef = tf.minimum(tf.scalar(1), tf.div(o.clip, tf.add(norm, 1e-6)));
      const bc1 = 1 - o.beta1 ** t, bc2 = 1 - o.beta2 ** t;
      for (const s of specs) {
        const g = tf.mul(grads[s.name], coef), p = P(s.name), mm = m.get(s.name)!, vv = v.get(s.name)!;
        mm.assign(tf.add(tf.mul(mm, o.beta1), tf.mul(g, 1 - o.beta1)));
        vv.assign(tf.add(tf.mul(vv, o.beta2), tf.mul(tf.square(g), 1 - o.beta2)));
        const upd = tf.div(tf.div(mm, bc1), tf.add(tf.sqrt(tf.div(vv, bc2)), o.eps));
        p.assign(tf.sub(p, tf.mul(tf.add(upd, tf.mul(p, s.decay ? o.weightDecay : 0)), lr)));
      }
      return value;
    });
    const out = value.dataSync()[0];
    value.dispose();
    return out;
  }

  return { step, dispose: () => [vars, m, v].forEach((map) => map.forEach((x) => x.dispose())) };
}
