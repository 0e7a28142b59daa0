// Property: any mutation of a valid checkpoint file (byte flips, truncation, edits inside the JSON header,
// a rewritten header length) either imports to a state bit-identical to the original or is refused with a
// CheckpointError; never another exception, never a hang. Seeded, so a failure replays.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointError, exportCheckpoint, importCheckpoint } from '../../src/engine/checkpoint';
import { makeState, stateBits } from './checkpoint-helpers';

const state = makeState({ emaDecay: 0.5 }, { shards: 2 });
const good = await exportCheckpoint(state, { loss: 2 });
const headerEnd = 8 + new DataView(good.buffer).getUint32(0, true);

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'cut'; at: number }
  | { kind: 'header'; at: number; del: number; text: string; fixLength: boolean }
  | { kind: 'length'; value: number }
  | { kind: 'digit'; at: number; to: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(good.length - 1), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(good.length - 1) }),
  fc.record({ kind: fc.constant('header' as const), at: fc.integer({ min: 8, max: headerEnd }), del: fc.nat(6), text: fc.string({ maxLength: 6, unit: fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '0', '9', '-', 'e', ' ', 'a', '\\', 'é') }), fixLength: fc.boolean() }),
  fc.record({ kind: fc.constant('length' as const), value: fc.nat(0xffffffff) }),
  // a digit of the header replaced by another: the JSON stays valid, so only hashes and checks can tell
  fc.record({ kind: fc.constant('digit' as const), at: fc.nat(), to: fc.integer({ min: 0, max: 9 }) }),
);

function apply(bytes: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'flip': {
      const b = bytes.slice();
      if (b.length) b[m.at % b.length] ^= m.xor;
      return b;
    }
    case 'cut':
      return bytes.slice(0, m.at % (bytes.length + 1));
    case 'length': {
      const b = bytes.slice();
      if (b.length >= 4) new DataView(b.buffer).setUint32(0, m.value, true);
      return b;
    }
    case 'digit': {
      const b = bytes.slice();
      const end = Math.min(b.length, 8 + new DataView(b.buffer).getUint32(0, true));
      const digits: number[] = [];
      for (let i = 8; i < end; i++) if (b[i] >= 0x30 && b[i] <= 0x39) digits.push(i);
      if (digits.length) b[digits[m.at % digits.length]] = 0x30 + m.to;
      return b;
    }
    case 'header': {
      const at = Math.min(m.at, bytes.length);
      const ins = new TextEncoder().encode(m.text);
      const b = new Uint8Array(bytes.length - Math.min(m.del, bytes.length - at) + ins.length);
      b.set(bytes.subarray(0, at));
      b.set(ins, at);
      b.set(bytes.subarray(at + m.del), at + ins.length);
      if (m.fixLength && b.length >= 8) {
        const dv = new DataView(b.buffer);
        dv.setUint32(0, dv.getUint32(0, true) + ins.length - Math.min(m.del, bytes.length - at), true);
      }
      return b;
    }
  }
}

/** Reject after ms: a decoder that loops forever fails the property instead of the whole run. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, no) => setTimeout(() => no(new Error(`no answer within ${ms} ms`)), ms))]);

describe('checkpoint file fuzzing', () => {
  it('every mutated file is refused with a CheckpointError or imports identically', async () => {
    const outcomes = { refused: 0, identical: 0 };
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        const bytes = ms.reduce(apply, good);
        try {
          const s = await within(importCheckpoint(bytes), 5_000);
          expect(stateBits(s)).toEqual(stateBits(state));
          outcomes.identical++;
        } catch (e) {
          if (!(e instanceof CheckpointError)) throw e;
          codes.add(e.code);
          outcomes.refused++;
        }
      }),
      { numRuns: 400, seed: 20240611 },
    );
    // The mutations must reach every layer: structure, manifest digest and tensor hashes.
    expect(outcomes.refused).toBeGreaterThan(300);
    for (const c of ['TRUNCATED', 'HEADER_JSON', 'HASH', 'OFFSETS']) expect(codes).toContain(c);
  });
});
