// fp16 gradients that halve: with `precision: fp16` the gradients live in packed fp16 storage (plus a
// small f32 scratch) and leave the device as 2 bytes per parameter. Measured through the driver on the
// default model (2 layers, C = 64, T = 64, Brown vocabulary 83) from the backend's own allocations and
// reads, for 1 and 2 devices: fp16 must hold and read back at most 0.55x of fp32. Then the store's
// semantics (even offsets, room, rounding on write), and fp16 on 2 devices with ZeRO-1 and with
// accumulation against plain data parallelism and fp32.
import { describe, expect, it } from 'vitest';
import { brownText } from '../../src/cli/corpus';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { sub, whole } from '../../src/engine/backend/types';
import { Comm, localGroup, type PortTransport } from '../../src/engine/collectives';
import { modelConfigOf, parseConfig, type RunConfigInput } from '../../src/engine/config';
import { makeDataset } from '../../src/engine/data/dataset';
import { DistDevice } from '../../src/engine/dist/device';
import { F16Grads, f16Room } from '../../src/engine/model/grads';
import { numParams, paramSpecs } from '../../src/engine/model/params';
import { estimateMemory } from '../../src/engine/memory';
import { f16BitsToF32, f32ToF16Bits, packF16 } from '../../src/engine/ops/f16';
import { runLocal } from './run-helpers';

describe('gradient memory and readback, measured: fp16 <= 0.55 x fp32 (default model)', () => {
  const brown = makeDataset('brown', brownText());
  const measure = async (precision: 'fp32' | 'fp16', devices: number) => {
    const r = await runLocal(parseConfig({ precision, devices, steps: 2, warmup: 0, evalEvery: 0, evalWindows: 1 }), brown);
    if (!r.finished) throw new Error(`run failed: ${JSON.stringify(r.failed)}`);
    const last = r.steps[1];
    return { grads: last.memory.map((m) => m.peak.grads), readback: last.readbackBytes, loss: r.steps.map((m) => m.loss) };
  };

  it('1 and 2 devices', async () => {
    const V = brown.tokenizer.vocabSize;
    const cfg = parseConfig({});
    const P = numParams(modelConfigOf(cfg, V)), S = f16Room(modelConfigOf(cfg, V));
    expect([V, P]).toEqual([83, 109_504]);
    for (const devices of [1, 2]) {
      const f32 = await measure('fp32', devices), f16 = await measure('fp16', devices);
      console.log(`${devices} device(s): grads_peak_bytes fp32 ${f32.grads[0]} fp16 ${f16.grads[0]} (${(f16.grads[0] / f32.grads[0]).toFixed(3)}x); ` +
        `readback bytes/step fp32 ${f32.readback[0]} fp16 ${f16.readback[0]} (${(f16.readback[0] / f32.readback[0]).toFixed(3)}x)`);
      for (let r = 0; r < devices; r++) {
        expect(f32.grads[r]).toBe(4 * P); // one f32 buffer
        expect(f16.grads[r]).toBe(2 * P + 4 * S); // packed words and the scratch, nothing else
        expect(f16.grads[r]).toBeLessThanOrEqual(0.55 * f32.grads[r]);
        // with peers the gradients are read back for the allreduce: 2 bytes per parameter instead of 4
        if (devices > 1) {
          expect(f32.readback[r]).toBeGreaterThan(4 * P);
          expect(f16.readback[r]).toBeLessThanOrEqual(0.55 * f32.readback[r]);
        }
      }
      // the estimate that refuses oversized runs before allocating agrees with what was measured
      expect(estimateMemory(parseConfig({ precision: 'fp16', devices }), V).grads).toBe(f16.grads[0]);
      // fp16 storage rounds each gradient to 11 significant bits; over 2 steps the loss moves by ~1e-5
      // (the loss of step 1 is computed before any update, so it is equal)
      expect(f16.loss[0]).toBe(f32.loss[0]);
      expect(Math.abs(f16.loss[1] - f32.loss[1])).toBeLessThan(1e-3);
    }
  }, 120_000);
});

describe('F16Grads', () => {
  const specs = [{ name: 'w', shape: [2, 3], offset: 0, size: 6, decay: true }, { name: 'b', shape: [4], offset: 6, size: 4, decay: false }];

  it('keeps gradients as packed fp16 that accumulate open pieces on flush, rounded once', async () => {
    const be = new CpuBackend();
    const g = new F16Grads(be, specs, 4);
    expect(be.data(g.packed).length).toBe(5);
    expect(g.bytes).toBe(4 * (5 + 4));
    g.zero();
    const x = be.alloc(4, 'x');
    be.write(x, Float32Array.from([1, 2 ** -11, 65519, -3]));
    // two pieces open at once, each zeroed first, added into the store by one flush
    be.dispatch('add_inplace', { acc: g.open(2, 2), x: sub(whole(x), 0, 2), n: 2 });
    be.dispatch('add_inplace', { acc: g.open(6, 2), x: sub(whole(x), 2, 2), n: 2 });
    g.flush();
    expect(Array.from(await g.read(0, 10))).toEqual([0, 0, 1, 2 ** -11, 0, 0, 65504, -3, 0, 0]);
    // a second micro-batch: acc = f16(acc + x), summed in f32 and rounded once: 1 + 2^-11 is a tie and
    // rounds to the even 1; 2^-11 + 2^-11 = 2^-10 exactly
    be.write(x, Float32Array.from([2 ** -11, 2 ** -11, 16, 0]));
    be.dispatch('add_inplace', { acc: g.open(2, 4), x: whole(x), n: 4 });
    g.flush();
    expect(Array.from(await g.read(2, 6))).toEqual([1, 2 ** -10, 16, 0]);
    expect(() => g.open(0, 6)).toThrow(/do not fit the scratch/);
    expect(() => g.open(3, 2)).toThrow(/inside a packed word/);
    expect(() => g.view(0, 6)).toThrow(/exceeds the scratch/);
  });

  it('reads and writes 2 bytes per element; view unpacks into the scratch', async () => {
    const be = new CpuBackend();
    const g = new F16Grads(be, specs, 4);
    const reads: number[] = [];
    const read = be.read.bind(be);
    be.read = (s) => (reads.push(s.length * 4), read(s));
    const v = Float32Array.from([0.1, -2, 3e-6, 70000, 1 / 3, 7, 8, 9, 10, 11]);
    g.write(v, 0);
    const rounded = v.map(f16);
    const stored = be.data(g.packed); // a view into the backend's heap
    expect(new Uint32Array(stored.buffer, stored.byteOffset, stored.length)).toEqual(packF16(v)); // the stored words are the fp16 bits
    expect(await g.read(0, 10)).toEqual(rounded);
    expect(reads).toEqual([20]); // 10 elements, 2 bytes each
    expect(Array.from(await be.read(g.view(4, 8)))).toEqual(Array.from(rounded.slice(4, 8)));
    expect(rounded[3]).toBe(Infinity); // overflow on the way in, as in backward
    expect(() => g.write(new Float32Array(3), 2)).toThrow(/split a packed word/);
    expect(() => new F16Grads(be, [{ name: 'odd', shape: [3], offset: 0, size: 3, decay: false }], 4)).toThrow(/even sizes/);
  });
});

const f16 = (v: number) => f16BitsToF32(f32ToF16Bits(v));

// 200 characters: 180 train tokens; 1 layer, C = 16, T = 8, small buckets so allreduces overlap backward.
const TEXT = 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. '.repeat(3).slice(0, 200);
const data = makeDataset('t', TEXT, 0.1);
const tiny: RunConfigInput = { nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 8, steps: 6, lr: 1e-2, warmup: 2, evalEvery: 0, evalWindows: 2, bucketMb: 0.002 };

/** Train on N in-thread devices; every device's final weights, losses per step and reports. */
async function train(over: RunConfigInput) {
  const cfg = parseConfig({ ...tiny, ...over });
  const ts: PortTransport[] = localGroup(cfg.devices);
  const devs = ts.map((t) => new DistDevice(new CpuBackend(), cfg, new Comm(t, { timeoutMs: 20_000 }), { train: data.train, val: data.val, vocabSize: data.tokenizer.vocabSize }));
  await Promise.all(devs.map((d) => d.broadcastWeights()));
  const loss: number[] = [];
  const reports = [];
  for (let s = 0; s < cfg.steps; s++) {
    const r = await Promise.all(devs.map((d) => d.trainStep()));
    reports.push(r);
    loss.push(r.reduce((a, x) => a + x.lossSum, 0));
  }
  const weights = await Promise.all(devs.map((d) => d.replica.getParams()));
  const bounds = devs[0].shardBounds;
  devs.forEach((d) => d.destroy());
  ts.forEach((t) => t.close());
  return { weights, loss, reports, bounds };
}

describe('fp16 on several devices', () => {
  it('ZeRO-1 (even shard bounds, packed words reduce-scattered) equals plain data parallelism', async () => {
    const plain = await train({ devices: 2, microBatch: 2, accum: 2, precision: 'fp16' });
    const zero = await train({ devices: 2, microBatch: 2, accum: 2, precision: 'fp16', zero: 1 });
    expect(zero.bounds.every((b) => b % 2 === 0)).toBe(true);
    expect(zero.reports[0][0].collectives.some((c) => c.name === 'ring reduce-scatter')).toBe(true);
    expect(zero.weights[1]).toEqual(zero.weights[0]); // replicas never drift apart
    // With 2 ranks every element's sum is f16(a + b) either way; only the global norm is added in
    // another order (per shard, then across ranks), which moves the clip coefficient by ~1e-7 and, through
    // six AdamW steps, the weights by 5.4e-6 on the TS twins and 1.1e-5 with the WebAssembly kernels
    // (measured; their f32 sums round differently). 3e-5 keeps headroom and stays far below what a wrong
    // shard update does (a missing or doubled update moves weights by ~lr = 1e-2).
    // The attention key bias is exempt as in dist.test.ts (its gradient is rounding noise): steps x lr.
    const mc = modelConfigOf(parseConfig(tiny), data.tokenizer.vocabSize);
    const kb = paramSpecs(mc).find((s) => s.name.endsWith('attn.c_attn.bias'))!;
    const [k0, k1] = [kb.offset + mc.nEmbd, kb.offset + 2 * mc.nEmbd];
    const diff = (a: Float32Array, b: Float32Array, lo: number, hi: number) => a.subarray(lo, hi).reduce((m, v, i) => Math.max(m, Math.abs(v - b[lo + i])), 0);
    expect(diff(zero.weights[0], plain.weights[0], k0, k1)).toBeLessThanOrEqual(6 * 1e-2);
    expect(Math.max(diff(zero.weights[0], plain.weights[0], 0, k0), diff(zero.weights[0], plain.weights[0], k1, plain.weights[0].length))).toBeLessThan(3e-5);
  });

  it('with accumulation trains like fp32, and sends half the gradient bytes', async () => {
    const f32 = await train({ devices: 2, microBatch: 2, accum: 2 });
    const f16 = await train({ devices: 2, microBatch: 2, accum: 2, precision: 'fp16' });
    expect(f16.reports.every((r) => !r[0].skipped)).toBe(true);
    // the fp16 wire codec: half of fp32's bytes
    const sent = (r: { bytesPerLink: number[] }) => r.bytesPerLink.reduce((a, b) => a + b, 0);
    expect(sent(f16.reports[1][0])).toBe(sent(f32.reports[1][0]) / 2);
    // fp16 storage keeps ~11 significant bits per gradient: losses agree to 1e-3 relative as on one device
    f16.loss.forEach((l, i) => expect(Math.abs(l - f32.loss[i]) / f32.loss[i]).toBeLessThan(1e-3));
    expect(f16.weights[1]).toEqual(f16.weights[0]);
  });
});
