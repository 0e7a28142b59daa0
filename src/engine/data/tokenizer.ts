// Character-level tokenizer: the vocabulary is the sorted set of characters (code points) of the text.
// Ids are indices into it; serialised as a JSON array of the characters (stored in safetensors metadata).
// Legend: V = vocabulary size (at most 65535, ids fit a Uint16Array).

export class CharTokenizer {
  private readonly index = new Map<string, number>();

  constructor(readonly chars: readonly string[]) {
    if (chars.length === 0 || chars.length > 65535) throw new Error(`vocabulary must have 1..65535 characters, got ${chars.length}`);
    chars.forEach((c, i) => {
      if (typeof c !== 'string' || [...c].length !== 1) throw new Error(`vocabulary entry ${i} is not a single character`);
      if (this.index.has(c)) throw new Error(`vocabulary repeats the character ${JSON.stringify(c)}`);
      this.index.set(c, i);
    });
  }

  /** The vocabulary of a text: its distinct characters, sorted by code point. */
  static fromText(text: string): CharTokenizer {
    const set = new Set(text);
    return new CharTokenizer([...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** Rebuild from toJSON() output; throws on a malformed vocabulary. */
  static fromJSON(json: string): CharTokenizer {
    let chars: unknown;
    try {
      chars = JSON.parse(json);
    } catch {
      throw new Error('vocabulary is not valid JSON');
    }
    if (!Array.isArray(chars)) throw new Error('vocabulary must be a JSON array of characters');
    return new CharTokenizer(chars as string[]);
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  /** Ids of a text; throws naming the first character outside the vocabulary. */
  encode(text: string): Uint16Array {
    const out = new Uint16Array(text.length);
    let n = 0;
    for (const c of text) {
      const id = this.index.get(c);
      if (id === undefined) throw new Error(`character ${JSON.stringify(c)} is not in the vocabulary`);
      out[n++] = id;
    }
    return out.slice(0, n);
  }

  /** Text of ids (ids outside the vocabulary throw). */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const c = this.chars[ids[i]];
      if (c === undefined) throw new Error(`token id ${ids[i]} is outside the vocabulary (${this.vocabSize})`);
      s += c;
    }
    return s;
  }

  toJSON(): string {
    return JSON.stringify(this.chars);
  }
}
