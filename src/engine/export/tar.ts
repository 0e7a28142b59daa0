// Files as one POSIX ustar archive (`tar xf` unpacks it), so the page can offer a bundle as one download.
// Layout: per entry a 512-byte header (name, mode, size and mtime in octal, checksum, type '0' file or
// '5' directory, magic "ustar\0" "00", and a prefix for names over 100 bytes), then the data padded to
// 512 bytes; two zero blocks end the archive. Directories are listed before their files.

import { concatBytes } from '../bytes';
import type { BundleFile } from './bundle';

const BLOCK = 512;

function writeText(h: Uint8Array, at: number, len: number, s: string): void {
  const b = new TextEncoder().encode(s);
  if (b.length > len) throw new RangeError(`tar: '${s}' does not fit ${len} bytes`);
  h.set(b, at);
}

const octal = (n: number, len: number): string => `${n.toString(8).padStart(len - 1, '0')}\0`;

/** Split a path into ustar's prefix (<= 155 bytes) and name (<= 100 bytes) at a '/'. */
function splitName(path: string): [string, string] {
  if (new TextEncoder().encode(path).length <= 100) return ['', path];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const [prefix, name] = [path.slice(0, i), path.slice(i + 1)];
    if (new TextEncoder().encode(prefix).length <= 155 && new TextEncoder().encode(name).length <= 100) return [prefix, name];
  }
  throw new RangeError(`tar: path '${path}' is too long for ustar`);
}

function header(path: string, size: number, dir: boolean, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const [prefix, name] = splitName(path);
  writeText(h, 0, 100, name);
  writeText(h, 100, 8, octal(dir ? 0o755 : 0o644, 8));
  writeText(h, 108, 8, octal(0, 8));
  writeText(h, 116, 8, octal(0, 8));
  writeText(h, 124, 12, octal(size, 12));
  writeText(h, 136, 12, octal(mtime, 12));
  writeText(h, 156, 1, dir ? '5' : '0');
  writeText(h, 257, 6, 'ustar\0');
  writeText(h, 263, 2, '00');
  writeText(h, 345, 155, prefix);
  // the checksum is the byte sum of the header with its own field read as 8 spaces
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  writeText(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** A tar archive of `files` under the directory `root` (mtime in seconds since the epoch). */
export function tarArchive(files: BundleFile[], root: string, mtime = Math.floor(Date.now() / 1000)): Uint8Array {
  const parts: Uint8Array[] = [];
  const dirs = new Set<string>();
  const addDirs = (path: string) => {
    const segs = path.split('/').slice(0, -1);
    for (let i = 1; i <= segs.length; i++) {
      const d = `${segs.slice(0, i).join('/')}/`;
      if (!dirs.has(d)) {
        dirs.add(d);
        parts.push(header(d, 0, true, mtime));
      }
    }
  };
  for (const f of files) {
    const path = `${root}/${f.path}`;
    addDirs(path);
    parts.push(header(path, f.data.length, false, mtime), f.data);
    const pad = (BLOCK - (f.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return concatBytes(parts);
}
