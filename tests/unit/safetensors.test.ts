// safetensors codec: round trip (whole or in chunks, copies or views), and one typed error per kind of
// malformed file (never a crash).
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, encodeSafetensorsChunks, SafetensorsError, type SafetensorsCode } from '../../src/engine/safetensors';

const a = { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 4, 5e-8, -6e7]) };
const b = { shape: [3], data: Float32Array.from([0.25, 0, -1]) };

/** A file with a hand-written header (or raw header text / a declared length) followed by f32 `values`. */
function file(header: unknown, values: number[] = [], rawHeader?: string, declared?: number): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + 4 * values.length);
  new DataView(out.buffer).setUint32(0, declared ?? json.length, true);
  out.set(json, 8);
  const dv = new DataView(out.buffer); // any alignment: the header length need not be a multiple of 4
  values.forEach((v, i) => dv.setFloat32(8 + json.length + 4 * i, v, true));
  return out;
}

function code(bytes: Uint8Array): SafetensorsCode {
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as SafetensorsError).code;
  }
  throw new Error('expected a SafetensorsError');
}

describe('safetensors', () => {
  it('round-trips tensors and metadata; header is 8-aligned JSON with offsets', () => {
    const bytes = encodeSafetensors([['a', a], ['b', b]], { format: 'pt', vocab: '["a","\\n"]' });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.a).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [3], data_offsets: [24, 36] });
    const d = decodeSafetensors(bytes);
    expect(d.metadata).toEqual({ format: 'pt', vocab: '["a","\\n"]' });
    expect(d.tensors.get('a')).toEqual(a);
    expect(d.tensors.get('b')).toEqual(b);
    expect(new DataView(bytes.buffer).getFloat32(8 + n + 4, true)).toBe(-2); // little-endian raw data
  });
  it('accepts an unaligned header (written by other tools)', () => {
    const bytes = file({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [7]);
    expect(new DataView(bytes.buffer).getUint32(0, true) % 4).not.toBe(0);
    const d = decodeSafetensors(bytes);
    expect(Array.from(d.tensors.get('x')!.data)).toEqual([7]);
  });
  it('encodes as chunks that concatenate to the file, and decodes to views only when asked and aligned', () => {
    const chunks = encodeSafetensorsChunks([['a', a], ['b', b]], { k: 'v' });
    expect(chunks.length).toBe(3);
    expect(chunks[1].buffer).toBe(a.data.buffer); // a view of the tensor, not a copy
    const bytes = encodeSafetensors([['a', a], ['b', b]], { k: 'v' });
    expect(Uint8Array.from(chunks.flatMap((c) => [...c]))).toEqual(bytes);
    expect(decodeSafetensors(bytes).tensors.get('a')!.data.buffer).not.toBe(bytes.buffer);
    const view = decodeSafetensors(bytes, { copy: false }).tensors.get('b')!;
    expect(view.data.buffer).toBe(bytes.buffer);
    expect(view).toEqual(b);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1); // data now at an odd address: copied
    shifted.set(bytes);
    const copied = decodeSafetensors(shifted, { copy: false }).tensors.get('b')!;
    expect(copied).toEqual(b);
    expect(copied.data.buffer).not.toBe(shifted.buffer);
  });
  const t1 = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  it.each<[string, SafetensorsCode, Uint8Array]>([
    ['shorter than 8 bytes', 'TRUNCATED', new Uint8Array(5)],
    ['header past the end', 'TRUNCATED', file({ t1 }, [1, 2], undefined, 500)],
    ['header over 100 MB', 'HEADER_SIZE', file({ t1 }, [1, 2], undefined, 200_000_000)],
    ['header not JSON', 'HEADER_JSON', file(null, [], '{"t1": ')],
    ['header a JSON array', 'HEADER_JSON', file([1, 2])],
    ['metadata not strings', 'METADATA', file({ __metadata__: { v: 1 } })],
    ['entry not an object', 'HEADER_ENTRY', file({ t1: 5 })],
    ['dtype F16', 'DTYPE', file({ t1: { ...t1, dtype: 'F16' } }, [1, 2])],
    ['negative dimension', 'SHAPE', file({ t1: { ...t1, shape: [-2] } }, [1, 2])],
    ['offsets reversed', 'OFFSETS', file({ t1: { ...t1, data_offsets: [8, 0] } }, [1, 2])],
    ['offsets out of bounds', 'OFFSETS', file({ t1: { ...t1, data_offsets: [0, 800] } }, [1, 2])],
    ['byte length != shape', 'LENGTH', file({ t1: { ...t1, shape: [3] } }, [1, 2])],
    ['overlapping tensors', 'OVERLAP', file({ t1, t2: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, [1, 2])],
    ['a gap in the data', 'COVERAGE', file({ t1: { ...t1, shape: [1], data_offsets: [4, 8] } }, [1, 2])],
    ['trailing bytes', 'COVERAGE', file({ t1: { ...t1, shape: [1], data_offsets: [0, 4] } }, [1, 2])],
    ['a NaN weight', 'NONFINITE', file({ t1 }, [1, NaN])],
    ['an infinite weight', 'NONFINITE', file({ t1 }, [Infinity, 2])],
  ])('rejects %s with %s', (_what, expected, bytes) => {
    expect(code(bytes)).toBe(expected);
  });
  it('says a text file is not a safetensors file at all, rather than quoting its first 8 bytes as a length', () => {
    expect(() => decodeSafetensors(new TextEncoder().encode('the quick brown fox jumps over the lazy dog\n'))).toThrow(/^not a safetensors file: byte 8 is not the '\{'/);
  });
  it('never throws anything but SafetensorsError on random corruption of a valid file', () => {
    const good = encodeSafetensors([['a', a], ['b', b]], { k: 'v' });
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let rejected = 0;
    for (let i = 0; i < 300; i++) {
      const bad = good.slice(0, rand() < 0.3 ? Math.floor(rand() * good.length) : good.length);
      for (let j = 0; j < 3; j++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      try {
        decodeSafetensors(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(SafetensorsError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});
