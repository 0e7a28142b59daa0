// The GPT (nanoGPT layout) written once against the Backend interface: forward and backward are a
// sequence of dispatches, so the same code runs on the CPU twins and on WebGPU.
// B = batch, T = time, C = nEmbd, V = vocab, H = heads, L = layers, R = B*T rows.
// Per block (pre-LN): x += c_proj(attn(c_attn(ln_1(x)))); x += mlp.c_proj(gelu(mlp.c_fc(ln_2(x)))).
// Then ln_f and the LM head tied to wte: logits = ln_f(x) @ wte^T. No dropout.
// Parameter gradients go through a GradStore (grads.ts): in fp32 its slices are the gradient buffer, as
// autograd would accumulate; in fp16 they are pieces of a small f32 scratch that are added into packed
// fp16 storage as soon as they are final, with the linear layers' weight gradients made in row blocks.
import { sub, whole, type Backend, type Buffer, type Slice } from '../backend/types';
import { checkModelConfig, type ModelConfig } from './config';
import { numParams, paramSpecs, type ParamSpec } from './params';
import { allocActivations, type Activations } from './activations';
import { createGrads, type GradStore, type Precision } from './grads';

const LN_EPS = 1e-5; // nn.LayerNorm's default, as nanoGPT

/** One block's parameters by role: their slices, or their specs (where their gradients go). */
interface Block<X> { ln1w: X; ln1b: X; attnW: X; attnB: X; projW: X; projB: X; ln2w: X; ln2b: X; fcW: X; fcB: X; mlpW: X; mlpB: X }
interface Named<X> { wte: X; wpe: X; blocks: Block<X>[]; lnfw: X; lnfb: X }

export class GPT {
  readonly cfg: ModelConfig;
  readonly specs: ParamSpec[];
  readonly params: Buffer;
  /** The gradients: f32, or packed fp16 with a scratch (grads.ts). */
  readonly grads: GradStore;
  private readonly be: Backend;
  private readonly maxBatch: number;
  private readonly acts: Activations;
  private readonly owned: Buffer[];
  private readonly p: Named<Slice>;
  private readonly g: Named<ParamSpec>;

  /** Allocates parameters (zero until setParams), gradients in `precision` and all activations for
   *  maxBatch sequences. */
  constructor(backend: Backend, cfg: ModelConfig, maxBatch: number, precision: Precision = 'fp32') {
    checkModelConfig(cfg);
    if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new RangeError(`GPT: maxBatch must be a positive integer, got ${maxBatch}`);
    this.be = backend;
    this.cfg = { ...cfg };
    this.maxBatch = maxBatch;
    this.specs = paramSpecs(cfg);
    const n = numParams(cfg);
    this.params = backend.alloc(n, 'params');
    this.grads = createGrads(backend, cfg, this.specs, precision);
    const { acts, all } = allocActivations(backend, cfg, maxBatch);
    this.acts = acts;
    this.owned = [this.params, ...all];
    this.p = this.named((s) => sub(whole(this.params), s.offset, s.size));
    this.g = this.named((s) => s);
  }

  /** Load a flat parameter vector in paramSpecs layout. */
  setParams(flat: Float32Array): void {
    if (flat.length !== this.params.length) throw new RangeError(`GPT.setParams: expected ${this.params.length} values, got ${flat.length}`);
    this.be.write(this.params, flat);
  }

  /** grads = 0. */
  zeroGrads(): void {
    this.grads.zero();
  }

  /** Forward + backward on one micro-batch; grads += d(sum of per-token losses * gradScale).
   *  Returns the sum of the B*T per-token losses (unscaled). */
  async forwardBackward(ids: Float32Array, targets: Float32Array, B: number, T: number, gradScale: number,
    onGradReady?: (specIndex: number) => void | Promise<void>): Promise<number> {
    if (!Number.isFinite(gradScale)) throw new RangeError(`GPT.forwardBackward: gradScale must be finite, got ${gradScale}`);
    this.upload(ids, targets, B, T);
    this.forward(B, T, gradScale);
    await this.backward(B, T, onGradReady);
    return this.lossSum(B * T);
  }

  /** Forward only; returns the sum of per-token losses. */
  async forwardLoss(ids: Float32Array, targets: Float32Array, B: number, T: number): Promise<number> {
    this.upload(ids, targets, B, T);
    this.forward(B, T, 0);
    return this.lossSum(B * T);
  }

  /** Logits [B, V] at the last position of each sequence (for sampling). */
  async logitsLast(ids: Float32Array, B: number, T: number): Promise<Float32Array> {
    this.upload(ids, null, B, T);
    this.forward(B, T, null);
    const V = this.cfg.vocabSize;
    const all = await this.be.read(sub(whole(this.acts.logits), 0, B * T * V)); // one sync point for all rows
    const out = new Float32Array(B * V);
    for (let b = 0; b < B; b++) out.set(all.subarray(((b + 1) * T - 1) * V, (b + 1) * T * V), b * V);
    return out;
  }

  /** Free every buffer this model allocated. */
  destroy(): void {
    for (const b of this.owned) this.be.free(b);
    this.owned.length = 0;
    this.grads.destroy();
  }

  private named<X>(of: (spec: ParamSpec) => X): Named<X> {
    const s = (name: string): X => {
      const spec = this.specs.find((x) => x.name === name);
      if (!spec) throw new Error(`GPT: no parameter ${name}`);
      return of(spec);
    };
    const blocks: Block<X>[] = [];
    for (let l = 0; l < this.cfg.nLayer; l++) {
      const h = `transformer.h.${l}.`;
      blocks.push({
        ln1w: s(`${h}ln_1.weight`), ln1b: s(`${h}ln_1.bias`), attnW: s(`${h}attn.c_attn.weight`), attnB: s(`${h}attn.c_attn.bias`),
        projW: s(`${h}attn.c_proj.weight`), projB: s(`${h}attn.c_proj.bias`), ln2w: s(`${h}ln_2.weight`), ln2b: s(`${h}ln_2.bias`),
        fcW: s(`${h}mlp.c_fc.weight`), fcB: s(`${h}mlp.c_fc.bias`), mlpW: s(`${h}mlp.c_proj.weight`), mlpB: s(`${h}mlp.c_proj.bias`),
      });
    }
    return { wte: s('transformer.wte.weight'), wpe: s('transformer.wpe.weight'), blocks, lnfw: s('transformer.ln_f.weight'), lnfb: s('transformer.ln_f.bias') };
  }

  /** Validate the batch at the boundary and copy ids (and targets) to the device. */
  private upload(ids: Float32Array, targets: Float32Array | null, B: number, T: number): void {
    if (!(Number.isInteger(B) && B >= 1 && B <= this.maxBatch)) throw new RangeError(`GPT: batch ${B} must be an integer in [1, ${this.maxBatch}]`);
    if (!(Number.isInteger(T) && T >= 1 && T <= this.cfg.blockSize)) throw new RangeError(`GPT: sequence length ${T} must be an integer in [1, ${this.cfg.blockSize}]`);
    const V = this.cfg.vocabSize;
    for (const [what, arr] of [['ids', ids], ['targets', targets]] as const) {
      if (!arr) continue;
      if (arr.length !== B * T) throw new RangeError(`GPT: ${what} has ${arr.length} entries, expected B*T = ${B * T}`);
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        if (!(Number.isInteger(v) && v >= 0 && v < V)) throw new RangeError(`GPT: ${what}[${i}] = ${v} is not a token id in [0, ${V})`);
      }
    }
    this.be.write(this.acts.ids, ids);
    if (targets) this.be.write(this.acts.targets, targets);
  }

  /** Forward to the logits; with a gradScale also the losses and dlogits (null: logits only). */
  private forward(B: number, T: number, gradScale: number | null): void {
    const { be, acts: a, p, cfg } = this;
    const C = cfg.nEmbd, V = cfg.vocabSize, R = B * T;
    const rc = (b: Buffer, w = C) => sub(whole(b), 0, R * w); // the rows in use
    const rows = (b: Buffer) => sub(whole(b), 0, R);
    be.dispatch('embedding_fwd', { out: rc(a.x0), ids: rows(a.ids), wte: p.wte, wpe: p.wpe, B, T, C });
    let x = a.x0;
    for (let l = 0; l < cfg.nLayer; l++) {
      const L = a.layers[l], w = p.blocks[l];
      be.dispatch('layernorm_fwd', { out: rc(L.ln1), mean: rows(L.ln1Mean), rstd: rows(L.ln1Rstd), x: rc(x), w: w.ln1w, b: w.ln1b, R, C, eps: LN_EPS });
      be.dispatch('matmul', { out: rc(L.qkv, 3 * C), a: rc(L.ln1), b: w.attnW, bias: w.attnB, M: R, N: 3 * C, K: C, transA: false, transB: true, accumulate: false });
      be.dispatch('attention_fwd', { out: rc(L.att), lse: sub(whole(L.lse), 0, B * cfg.nHead * T), qkv: rc(L.qkv, 3 * C), B, T, C, H: cfg.nHead });
      be.dispatch('matmul', { out: rc(a.tmp), a: rc(L.att), b: w.projW, bias: w.projB, M: R, N: C, K: C, transA: false, transB: true, accumulate: false });
      be.dispatch('add', { out: rc(L.res1), a: rc(x), b: rc(a.tmp), n: R * C });
      be.dispatch('layernorm_fwd', { out: rc(L.ln2), mean: rows(L.ln2Mean), rstd: rows(L.ln2Rstd), x: rc(L.res1), w: w.ln2w, b: w.ln2b, R, C, eps: LN_EPS });
      be.dispatch('matmul', { out: rc(L.fc, 4 * C), a: rc(L.ln2), b: w.fcW, bias: w.fcB, M: R, N: 4 * C, K: C, transA: false, transB: true, accumulate: false });
      be.dispatch('gelu_fwd', { out: rc(L.gelu, 4 * C), x: rc(L.fc, 4 * C), n: R * 4 * C });
      be.dispatch('matmul', { out: rc(a.tmp), a: rc(L.gelu, 4 * C), b: w.mlpW, bias: w.mlpB, M: R, N: C, K: 4 * C, transA: false, transB: true, accumulate: false });
      be.dispatch('add', { out: rc(L.res2), a: rc(L.res1), b: rc(a.tmp), n: R * C });
      x = L.res2;
    }
    be.dispatch('layernorm_fwd', { out: rc(a.lnf), mean: rows(a.lnfMean), rstd: rows(a.lnfRstd), x: rc(x), w: p.lnfw, b: p.lnfb, R, C, eps: LN_EPS });
    be.dispatch('matmul', { out: rc(a.logits, V), a: rc(a.lnf), b: p.wte, M: R, N: V, K: C, transA: false, transB: true, accumulate: false });
    if (gradScale === null) return;
    be.dispatch('crossentropy', { losses: rows(a.losses), dlogits: rc(a.dlogits, V), logits: rc(a.logits, V), targets: rows(a.targets), R, V, gradScale });
  }

  /** Backward from dlogits; parameter gradients accumulate, onGradReady fires in reverse spec order. */
  private async backward(B: number, T: number, onGradReady?: (specIndex: number) => void | Promise<void>): Promise<void> {
    const { be, acts: a, p, g, grads, cfg } = this;
    const C = cfg.nEmbd, V = cfg.vocabSize, R = B * T, nL = cfg.nLayer;
    const rc = (b: Buffer, w = C) => sub(whole(b), 0, R * w);
    const rows = (b: Buffer) => sub(whole(b), 0, R);
    const open = (s: ParamSpec, n = s.size) => grads.open(s.offset, n);
    let next = this.specs.length - 1; // specs are completed exactly in reverse order
    const ready = async (count: number) => {
      grads.flush(); // fp16: the finished gradients go into the packed store
      for (let k = 0; k < count; k++, next--) if (onGradReady) await onGradReady(next);
    };
    // dW += dy^T @ x for y = x @ W^T, W stored [N,K], in blocks of rows that fit the store's room (one
    // block in fp32). Rows n0..n1 of dW need columns n0..n1 of dy, which are strided: with several
    // blocks dy is transposed into `spare`, a backward buffer that is free at that point (so blocks cost
    // no extra memory), and each block is a plain matmul over contiguous rows of dy^T.
    const weightGrad = (dW: ParamSpec, dy: Slice, x: Slice, N: number, K: number, spare: Buffer | null) => {
      const step = Math.max(1, Math.min(N, Math.floor(grads.room / K)));
      if (step === N) {
        be.dispatch('matmul', { out: open(dW), a: dy, b: x, M: N, N: K, K: R, transA: true, transB: false, accumulate: true });
        grads.flush();
        return;
      }
      if (!spare) throw new Error(`GPT: ${dW.name}'s gradient needs row blocks but no buffer is free for dy^T`);
      const dyT = sub(whole(spare), 0, N * R);
      be.dispatch('transpose', { out: dyT, x: dy, R, N });
      for (let n0 = 0; n0 < N; n0 += step) {
        const m = Math.min(step, N - n0);
        be.dispatch('matmul', { out: grads.open(dW.offset + n0 * K, m * K), a: sub(dyT, n0 * R, m * R), b: x, M: m, N: K, K: R, transA: false, transB: false, accumulate: true });
        grads.flush();
      }
    };
    // y = x @ W^T + bias: dx = dy @ W, dW += dy^T @ x, dbias += column sums of dy
    const linearBack = (dx: Slice, dy: Slice, x: Slice, W: Slice, dW: ParamSpec, dBias: ParamSpec, N: number, K: number, spare: Buffer) => {
      be.dispatch('matmul', { out: dx, a: dy, b: W, M: R, N: K, K: N, transA: false, transB: false, accumulate: false });
      weightGrad(dW, dy, x, N, K, spare);
      be.dispatch('sum_rows', { out: open(dBias), x: dy, R, N });
    };
    const xLast = nL > 0 ? a.layers[nL - 1].res2 : a.x0;
    // tied head: dlnf = dlogits @ wte. wte's gradient has a second part from the embedding at the very
    // end: with persistent gradients (fp32) the head's part is added now, as autograd does; otherwise
    // both parts are made together at the end, so wte's gradient is rounded to fp16 once.
    be.dispatch('matmul', { out: rc(a.dtmp), a: rc(a.dlogits, V), b: p.wte, M: R, N: C, K: V, transA: false, transB: false, accumulate: false });
    if (grads.persistent) weightGrad(g.wte, rc(a.dlogits, V), rc(a.lnf), V, C, null);
    be.dispatch('fill', { out: rc(a.dres), value: 0, n: R * C });
    be.dispatch('layernorm_bwd', { dx: rc(a.dres), dw: open(g.lnfw), db: open(g.lnfb), dout: rc(a.dtmp), x: rc(xLast), w: p.lnfw, mean: rows(a.lnfMean), rstd: rows(a.lnfRstd), R, C });
    await ready(2);
    for (let l = nL - 1; l >= 0; l--) {
      const L = a.layers[l], w = p.blocks[l], gw = g.blocks[l];
      const xin = l > 0 ? a.layers[l - 1].res2 : a.x0;
      // MLP branch; dres holds d(res2) and collects d(res1) through the residual and ln_2. Spares for
      // dy^T: dtmp here (dgelu is this dx), then dgelu, consumed by gelu_bwd and free for the layer.
      linearBack(rc(a.dgelu, 4 * C), rc(a.dres), rc(L.gelu, 4 * C), w.mlpW, gw.mlpW, gw.mlpB, C, 4 * C, a.dtmp);
      await ready(2);
      be.dispatch('gelu_bwd', { dx: rc(a.dfc, 4 * C), dout: rc(a.dgelu, 4 * C), x: rc(L.fc, 4 * C), n: R * 4 * C });
      linearBack(rc(a.dtmp), rc(a.dfc, 4 * C), rc(L.ln2), w.fcW, gw.fcW, gw.fcB, 4 * C, C, a.dgelu);
      await ready(2);
      be.dispatch('layernorm_bwd', { dx: rc(a.dres), dw: open(gw.ln2w), db: open(gw.ln2b), dout: rc(a.dtmp), x: rc(L.res1), w: w.ln2w, mean: rows(L.ln2Mean), rstd: rows(L.ln2Rstd), R, C });
      await ready(2);
      // attention branch; dres now holds d(res1) and collects d(xin)
      linearBack(rc(a.dtmp), rc(a.dres), rc(L.att), w.projW, gw.projW, gw.projB, C, C, a.dgelu);
      await ready(2);
      be.dispatch('attention_bwd', { dqkv: rc(a.dqkv, 3 * C), dout: rc(a.dtmp), qkv: rc(L.qkv, 3 * C), out: rc(L.att), lse: sub(whole(L.lse), 0, B * cfg.nHead * T), B, T, C, H: cfg.nHead });
      linearBack(rc(a.dtmp), rc(a.dqkv, 3 * C), rc(L.ln1), w.attnW, gw.attnW, gw.attnB, 3 * C, C, a.dgelu);
      await ready(2);
      be.dispatch('layernorm_bwd', { dx: rc(a.dres), dw: open(gw.ln1w), db: open(gw.ln1b), dout: rc(a.dtmp), x: rc(xin), w: w.ln1w, mean: rows(L.ln1Mean), rstd: rows(L.ln1Rstd), R, C });
      await ready(2);
    }
    if (grads.persistent) {
      be.dispatch('embedding_bwd', { dwte: open(g.wte), dwpe: open(g.wpe), dout: rc(a.dres), ids: rows(a.ids), B, T, C, V });
    } else {
      // wte: the embedding's scatter plus the tied head's dlogits^T @ lnf (dlogits and lnf are intact),
      // one V x C piece. The kernel's wpe output lands in dtmp (free now) and is dropped: wpe's gradient
      // is dout summed over the batch, i.e. sum_rows of dout viewed as [B, T*C], made as a second piece.
      const dwte = open(g.wte);
      be.dispatch('embedding_bwd', { dwte, dwpe: sub(whole(a.dtmp), 0, T * C), dout: rc(a.dres), ids: rows(a.ids), B, T, C, V });
      be.dispatch('matmul', { out: dwte, a: rc(a.dlogits, V), b: rc(a.lnf), M: V, N: C, K: R, transA: true, transB: false, accumulate: true });
      grads.flush();
      be.dispatch('sum_rows', { out: open(g.wpe, T * C), x: rc(a.dres), R: B, N: T * C });
    }
    await ready(2);
  }

  /** Sum of the R per-token losses, in f64 (a read: a sync point on WebGPU). */
  private async lossSum(R: number): Promise<number> {
    const l = await this.be.read(sub(whole(this.acts.losses), 0, R));
    let s = 0;
    for (let i = 0; i < R; i++) s += l[i];
    return s;
  }
}
