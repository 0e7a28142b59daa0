// Optimizer shards between ranks and checkpoints: collected from ranks in any order, re-cut for any other
// split of [0, P) (resume on another device count), and a real Replica's state through a checkpoint file.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { CheckpointError, collectOptimizer, exportCheckpoint, importCheckpoint, optimizerStateFor, replicaStateFor } from '../../src/engine/checkpoint';
import { Replica } from '../../src/engine/train/replica';
import { makeState, randomArray, tok } from './checkpoint-helpers';

describe('optimizer shards', () => {
  const s = makeState({}, { shards: 3 });
  const P = s.params.length;
  const whole = (k: number) => {
    const out = new Float32Array(P);
    for (const sh of s.optimizer.shards) out.set(sh.slots[k], sh.lo);
    return out;
  };
  it('collects ranks in any order and re-cuts any range across shard boundaries', () => {
    const ranks = s.optimizer.shards.map((sh) => ({ optimizer: 'adamw' as const, lo: sh.lo, hi: sh.hi, t: 6, slots: sh.slots }));
    const c = collectOptimizer([ranks[2], ranks[0], ranks[1]]);
    expect(c.shards.map((x) => [x.lo, x.hi])).toEqual(s.optimizer.shards.map((x) => [x.lo, x.hi]));
    expect(c.shards[0].slots[0]).not.toBe(ranks[0].slots[0]); // copied, not aliased
    for (const [lo, hi] of [[0, P], [0, 700], [700, P], [100, P - 1]]) {
      const o = optimizerStateFor(c, lo, hi);
      expect(o).toMatchObject({ optimizer: 'adamw', lo, hi, t: 6 });
      expect(o.slots).toEqual([whole(0).slice(lo, hi), whole(1).slice(lo, hi)]);
    }
  });
  it('refuses ranks that disagree, overlap or leave gaps, and ranges the shards do not cover', () => {
    const r = (lo: number, hi: number, t = 1) => ({ optimizer: 'adamw' as const, lo, hi, t, slots: [new Float32Array(hi - lo), new Float32Array(hi - lo)] });
    expect(() => collectOptimizer([r(0, 5), r(5, 9, 2)])).toThrow(expect.objectContaining({ code: 'STATE' }));
    expect(() => collectOptimizer([r(0, 5), r(4, 9)])).toThrow(expect.objectContaining({ code: 'SHARDS' }));
    expect(() => collectOptimizer([r(0, 5), r(6, 9)])).toThrow(expect.objectContaining({ code: 'SHARDS' }));
    expect(() => optimizerStateFor(collectOptimizer([r(0, 5)]), 3, 8)).toThrow(CheckpointError);
  });
  it("a Replica's exported state comes back through a checkpoint file into a fresh Replica", async () => {
    const base = makeState({ emaDecay: 0.9, precision: 'fp16' });
    const a = new Replica(new CpuBackend(), base.config, tok.vocabSize);
    // give every part of the replica's state distinct values, as training would
    const P = a.numParams;
    a.importState({ params: randomArray(P, 41), optimizer: { optimizer: 'adamw', lo: 0, hi: P, t: 5, slots: [randomArray(P, 42), randomArray(P, 43)] }, scaler: { scale: 1024, growthTracker: 17 }, ema: randomArray(P, 44) });
    const exported = await a.exportState();
    const state = { ...base, params: exported.params, ema: exported.ema, scaler: exported.scaler, optimizer: collectOptimizer([exported.optimizer]) };
    const back = await importCheckpoint(await exportCheckpoint(state));
    const b = new Replica(new CpuBackend(), back.config, tok.vocabSize);
    b.importState(replicaStateFor(back));
    expect(await b.exportState()).toEqual(exported);
    a.destroy();
    b.destroy();
  });
});
