// A strict reader of ustar archives for tests (the page's bundle downloads): every header's magic and
// checksum checked, files as path -> bytes, directories listed. Independent of src/engine/export/tar.ts,
// so a test of the writer does not pass by sharing its mistakes.
const BLOCK = 512;
const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));
const octal = (b: Uint8Array) => parseInt(text(b).trim() || '0', 8);

export interface TarContents { files: Map<string, Uint8Array>; dirs: string[] }

/** The entries of a ustar archive; throws on a bad magic, checksum or truncated archive. */
export function readTar(tar: Uint8Array): TarContents {
  const files = new Map<string, Uint8Array>();
  const dirs: string[] = [];
  let at = 0;
  for (;;) {
    if (at + BLOCK > tar.length) throw new Error(`tar: truncated at byte ${at}`);
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    if (text(h.subarray(257, 263)) !== 'ustar') throw new Error(`tar: no ustar magic at byte ${at}`);
    const sum = h.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 0x20 : b), 0);
    if (sum !== octal(h.subarray(148, 156))) throw new Error(`tar: bad checksum at byte ${at}`);
    const prefix = text(h.subarray(345, 500));
    const path = (prefix ? `${prefix}/` : '') + text(h.subarray(0, 100));
    const size = octal(h.subarray(124, 136));
    const type = String.fromCharCode(h[156]);
    at += BLOCK;
    if (type === '5') dirs.push(path);
    else if (type === '0') files.set(path, tar.slice(at, at + size));
    else throw new Error(`tar: entry type '${type}' at ${path}`);
    at += Math.ceil(size / BLOCK) * BLOCK;
  }
  return { files, dirs };
}
