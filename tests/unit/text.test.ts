// Text files as the engine reads them (src/engine/data/text.ts): every valid UTF-8 text kept exactly, bad
// bytes and NUL bytes refused by byte offset; and the tokenizer keeps \r, so LF, CRLF and CR-only versions
// of a text are different data (docs/engine.md, Data).
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/engine/data/dataset';
import { decodeText, firstInvalidUtf8, TextDataError } from '../../src/engine/data/text';
import { CharTokenizer } from '../../src/engine/data/tokenizer';

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...utf8(p)] : p)));

function refusal(b: Uint8Array): TextDataError {
  try {
    decodeText(b);
  } catch (e) {
    if (e instanceof TextDataError) return e;
    throw e;
  }
  throw new Error('decodeText accepted the bytes');
}

describe('decodeText', () => {
  it('keeps U+FFFD, a leading byte-order mark, \\r\\n and \\r as characters', () => {
    const s = '\ufeffa\ufffdb\r\nc\rd\n\u{1F600}';
    expect(decodeText(utf8(s))).toBe(s);
    // a BOM elsewhere than at the start is an ordinary character too
    expect(decodeText(utf8('x\ufeff'))).toBe('x\ufeff');
  });

  it.each([
    ['a lone continuation byte', bytes('abc', [0x80], 'd'), 3],
    ['a Latin-1 byte', bytes('caf', [0xe9], ' au lait'), 3],
    ['an overlong 2-byte form (C0 AF)', bytes('ab', [0xc0, 0xaf]), 2],
    ['an overlong 3-byte form (E0 80 AF)', bytes('a', [0xe0, 0x80, 0xaf]), 1],
    ['an encoded surrogate (ED A0 80)', bytes('ab', [0xed, 0xa0, 0x80], 'c'), 2],
    ['a code point above U+10FFFF (F4 90 80 80)', bytes('\u00e9', [0xf4, 0x90, 0x80, 0x80]), 2],
    ['a lead byte F5', bytes('abcd', [0xf5, 0x80, 0x80, 0x80]), 4],
    ['a sequence cut by ASCII', bytes('\u20ac\u20ac', [0xe2, 0x82], 'x'), 6],
    ['a sequence cut by the end of the file', bytes('hello', [0xf0, 0x9f, 0x98]), 5],
  ])('refuses %s, naming its byte offset', (_, b, at) => {
    const e = refusal(b);
    expect(e.code).toBe('INVALID_UTF8');
    expect(e.byteOffset).toBe(at);
    expect(e.message).toBe(`is not UTF-8 text: invalid byte sequence at byte ${at}`);
  });

  it('refuses NUL bytes by offset, so a UTF-16 file (valid UTF-8 byte by byte) is not read as text', () => {
    const e = refusal(bytes('ab', [0], 'c'));
    expect([e.code, e.byteOffset]).toEqual(['NUL', 2]);
    const utf16 = new Uint8Array([...'hi\n'].flatMap((c) => [c.charCodeAt(0), 0]));
    expect(new TextDecoder('utf-8', { fatal: true }).decode(utf16)).toBe('h\0i\0\n\0'); // why NUL is checked
    expect(refusal(utf16).byteOffset).toBe(1);
  });

  it('finds the same first bad byte as the platform decoder on random bytes', () => {
    // Reference: the bytes before the offset decode strictly, and the lossy decode of the whole input puts
    // its first U+FFFD right after them. Bytes drawn mostly from the tricky lead/continuation ranges.
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    const pool = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    const lossy = new TextDecoder('utf-8', { ignoreBOM: true });
    let invalid = 0;
    for (let n = 0; n < 3000; n++) {
      const b = Uint8Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => pool[Math.floor(rnd() * pool.length)]);
      const at = firstInvalidUtf8(b);
      let ok = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        ok = false;
      }
      expect(at === -1).toBe(ok);
      if (ok) continue;
      invalid++;
      const head = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b.subarray(0, at));
      expect(lossy.decode(b).startsWith(head + '\ufffd')).toBe(true);
      expect(head.includes('\ufffd')).toBe(false);
    }
    expect(invalid).toBeGreaterThan(1000); // the pool really produces bad input
  });
});

describe('line endings are characters', () => {
  const lines = ['ab', 'ba', 'aab'];
  const lf = lines.join('\n') + '\n', crlf = lines.join('\r\n') + '\r\n', cr = lines.join('\r') + '\r';

  it('the tokenizer keeps \\r, so LF, CRLF and CR-only texts have different vocabularies', () => {
    expect(CharTokenizer.fromText(lf).chars).toEqual(['\n', 'a', 'b']);
    expect(CharTokenizer.fromText(crlf).chars).toEqual(['\n', '\r', 'a', 'b']);
    expect(CharTokenizer.fromText(cr).chars).toEqual(['\r', 'a', 'b']);
  });

  it('a CRLF text is one token longer per line and round-trips byte for byte', () => {
    const ds = makeDataset('crlf', decodeText(utf8(crlf)), 0);
    expect(ds.train.length).toBe(lf.length + lines.length);
    expect(ds.tokenizer.decode(ds.train)).toBe(crlf);
    // an LF model cannot read a CRLF text: \r is not silently dropped or mapped to \n
    expect(() => makeDataset('crlf', crlf, 0, CharTokenizer.fromText(lf))).toThrow('character "\\r" is not in the vocabulary');
  });
});
