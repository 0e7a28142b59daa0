// Bytes for the file formats (safetensors, checkpoints, nanoGPT's .bin files, tar): little-endian views of
// typed arrays, and chunks joined into one buffer.

/** Whether this machine stores numbers little-endian (typed arrays then match the formats' byte order). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array (a view, no copy, on little-endian machines). */
export function leBytes(a: Float32Array | Uint16Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  if (a instanceof Float32Array) a.forEach((v, i) => dv.setFloat32(4 * i, v, true));
  else a.forEach((v, i) => dv.setUint16(2 * i, v, true));
  return out;
}

/** The chunks one after another in one new buffer. */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
