// safetensors encode/decode (F32 only): 8-byte little-endian header length N, N bytes of JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the raw
// little-endian data; offsets are relative to the start of the data. Decoding validates everything and
// throws SafetensorsError with a `code`, never anything else: bad input must not crash the caller.
// Legend: N = header bytes (padded with spaces to a multiple of 8 when we write it).

import { concatBytes, leBytes, LITTLE_ENDIAN } from './bytes';

export type SafetensorsCode =
  | 'TRUNCATED' | 'HEADER_SIZE' | 'HEADER_JSON' | 'HEADER_ENTRY' | 'METADATA' | 'DTYPE' | 'SHAPE'
  | 'OFFSETS' | 'OVERLAP' | 'COVERAGE' | 'LENGTH' | 'NONFINITE' | 'MISSING' | 'EXTRA' | 'CONFIG' | 'VOCAB';

/** A malformed or unexpected safetensors file. */
export class SafetensorsError extends Error {
  constructor(readonly code: SafetensorsCode, message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export interface Tensor { shape: number[]; data: Float32Array }

/** Largest header accepted (as the reference implementation: 100 MB). */
export const MAX_HEADER = 100_000_000;

const fail = (code: SafetensorsCode, msg: string): never => {
  throw new SafetensorsError(code, msg);
};

/** A safetensors file as pieces to write one after another: the 8-byte length, the padded JSON header,
 *  then each tensor's little-endian bytes (views into the tensors on little-endian machines, no copy), so
 *  a writer can stream a large file without assembling it (e.g. one writev). */
export function encodeSafetensorsChunks(tensors: [string, Tensor][], metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RangeError(`${name}: shape [${t.shape}] holds ${n} values, data has ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  const raw = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (raw.length % 8)) % 8); // data starts 8-aligned, so readers can view it in place
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, head.length, true);
  dv.setUint32(4, 0, true);
  out.set(head, 8);
  return [out, ...tensors.map(([, t]) => leBytes(t.data))];
}

/** Bytes of a safetensors file with F32 tensors in the given order and string metadata. */
export function encodeSafetensors(tensors: [string, Tensor][], metadata: Record<string, string> = {}): Uint8Array {
  return concatBytes(encodeSafetensorsChunks(tensors, metadata));
}

export interface Decoded { tensors: Map<string, Tensor>; metadata: Record<string, string> }

/** Throws unless `have` holds exactly the `want` tensors (names beside those that `ignore` accepts):
 *  MISSING, SHAPE (`need` says whose shape is wanted, e.g. "the config needs"), EXTRA naming up to three. */
export function checkTensors(have: Map<string, { shape: number[] }>, want: { name: string; shape: number[] }[], need: string, ignore = (_name: string) => false): void {
  for (const x of want) {
    const t = have.get(x.name);
    if (!t) fail('MISSING', `tensor ${x.name} is missing`);
    if (t!.shape.length !== x.shape.length || t!.shape.some((d, i) => d !== x.shape[i])) fail('SHAPE', `${x.name} has shape [${t!.shape}], ${need} [${x.shape}]`);
  }
  const known = new Set(want.map((x) => x.name));
  const extra = [...have.keys()].filter((k) => !known.has(k) && !ignore(k));
  if (extra.length) fail('EXTRA', `unexpected tensor(s): ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''}`);
}

/** Parse and validate a safetensors file: header bound, JSON, dtypes, shapes, offsets (in bounds,
 *  non-overlapping, covering the data), byte lengths and finiteness. With `copy: false` a tensor whose
 *  data is 4-byte aligned in memory is a view into `bytes` (no copy: a large checkpoint is not held twice;
 *  the caller must then not change `bytes`). */
export function decodeSafetensors(bytes: Uint8Array, opts: { copy?: boolean } = {}): Decoded {
  if (bytes.length < 8) fail('TRUNCATED', `file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true), hi = dv.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  // a header's first byte is '{', as the reference reader requires (its InvalidHeaderStart): a text file or another format fails here
  if (bytes.length > 8 && bytes[8] !== 0x7b) fail('HEADER_JSON', `not a safetensors file: byte 8 is not the '{' that opens the JSON header (a safetensors file is an 8-byte header length, a JSON header, then the tensor data)`);
  if (n > MAX_HEADER) fail('HEADER_SIZE', `header length ${n} exceeds the limit of ${MAX_HEADER} bytes`);
  if (8 + n > bytes.length) fail('TRUNCATED', `header length ${n} runs past the end of the ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    fail('HEADER_JSON', 'header is not valid UTF-8 JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('HEADER_JSON', 'header is not a JSON object');
  const dataLen = bytes.length - 8 - n;
  const metadata: Record<string, string> = {};
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('METADATA', '__metadata__ is not an object');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') fail('METADATA', `__metadata__.${k} is not a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object' || Array.isArray(e)) fail('HEADER_ENTRY', `${name}: entry is not an object`);
    if (e.dtype !== 'F32') fail('DTYPE', `${name}: dtype ${JSON.stringify(e.dtype)} is not supported (only F32)`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail('SHAPE', `${name}: shape is not a list of non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      fail('OFFSETS', `${name}: data_offsets must be [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = off as number[];
    if (end > dataLen) fail('OFFSETS', `${name}: data_offsets [${begin}, ${end}] run past the ${dataLen} data bytes`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== 4 * count) fail('LENGTH', `${name}: ${end - begin} bytes for shape [${shape}] (needs ${4 * count})`);
    entries.push({ name, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    if (e.begin < pos) fail('OVERLAP', `${e.name}: data [${e.begin}, ${e.end}) overlaps the previous tensor`);
    if (e.begin > pos) fail('COVERAGE', `data bytes [${pos}, ${e.begin}) belong to no tensor`);
    pos = e.end;
  }
  if (pos !== dataLen) fail('COVERAGE', `data bytes [${pos}, ${dataLen}) belong to no tensor`);
  const tensors = new Map<string, Tensor>();
  const base = 8 + n;
  for (const e of entries) {
    const at = bytes.byteOffset + base + e.begin;
    let data: Float32Array;
    if (LITTLE_ENDIAN && opts.copy === false && at % 4 === 0) data = new Float32Array(bytes.buffer, at, (e.end - e.begin) / 4);
    else {
      data = new Float32Array((e.end - e.begin) / 4);
      if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(base + e.begin, base + e.end));
      else for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(base + e.begin + 4 * i, true);
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) fail('NONFINITE', `${e.name}: element ${i} is ${data[i]}`);
    }
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}
