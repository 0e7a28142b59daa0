// Bytes of a text file -> the string the tokenizer sees, the same for the CLI, the page and
// scripts/check_export.py. Every valid UTF-8 text is kept exactly: no newline translation (\r\n and \r stay
// characters), a leading byte-order mark stays the character U+FEFF, and a U+FFFD written in the file is an
// ordinary character. Refused: byte sequences that are not UTF-8 and NUL bytes (binary data, or UTF-16
// text, which decodes as valid UTF-8 with a NUL after every ASCII character).
// Offsets are byte offsets into the file, counted from 0.

export type TextDataCode = 'INVALID_UTF8' | 'NUL';

/** The bytes are not text the engine trains on; `byteOffset` is where the first offending byte is, and the
 * message reads after the file's name ("FILE is not UTF-8 text: ..."). */
export class TextDataError extends Error {
  override name = 'TextDataError';
  constructor(readonly code: TextDataCode, readonly byteOffset: number, message: string) {
    super(message);
  }
}

// ignoreBOM keeps a leading EF BB BF as U+FEFF: the default decoder drops it, and Python's 'utf-8' codec
// (not 'utf-8-sig') keeps it, so keeping it is what lets both sides see the same characters.
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of UTF-8 bytes, exactly; throws TextDataError naming the byte offset of what is not text. */
export function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new TextDataError('INVALID_UTF8', at, `is not UTF-8 text: invalid byte sequence at byte ${at}`);
  }
  // Searched in the bytes: a NUL byte is U+0000 and nothing else in UTF-8.
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new TextDataError('NUL', nul, `is not text: NUL byte at byte ${nul} (binary data or UTF-16?)`);
  return text;
}

/**
 * Offset of the first byte of the first ill-formed sequence (Unicode table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence at the end), or -1 if all of it is UTF-8.
 * Only called after the decoder failed, so its speed does not matter.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let more: number, lo = 0x80, hi = 0xbf; // continuation bytes after the lead; range of the first one
    if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      more = 2;
      if (b === 0xe0) lo = 0xa0; // overlong below U+0800
      if (b === 0xed) hi = 0x9f; // surrogates U+D800..U+DFFF
    } else if (b >= 0xf0 && b <= 0xf4) {
      more = 3;
      if (b === 0xf0) lo = 0x90; // overlong below U+10000
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i; // continuation byte without a lead, C0/C1 (overlong ASCII), F5..FF
    for (let k = 1; k <= more; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}
