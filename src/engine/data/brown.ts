// The Brown corpus (Form C, tagged) as plain English text: strips part-of-speech tags from `word/tag`
// tokens, turns the `` and '' quote tokens into ", and tidies the spacing around punctuation.
// One sentence per output line. Pure: the caller reads the files (fs in Node, a bundler in the browser).

/** Tokens that attach to the word before them (no space before). */
const ATTACH_LEFT = new Set([',', '.', ';', ':', '!', '?', ')', ']', "'", '"close']);
/** Tokens that attach to the word after them (no space after). */
const ATTACH_RIGHT = new Set(['(', '[', '"open']);

/** The word of a `word/tag` token (the tag follows the LAST slash: words like 1/2 contain slashes). */
function wordOf(token: string): string {
  const i = token.lastIndexOf('/');
  const w = i > 0 ? token.slice(0, i) : token;
  if (w === '``') return '"open';
  if (w === "''") return '"close';
  return w;
}

/** One tagged sentence as text. */
function sentence(tokens: string[]): string {
  let out = '';
  let glue = true; // no space before the first word
  for (const t of tokens) {
    const w = wordOf(t);
    const text = w === '"open' || w === '"close' ? '"' : w;
    if (w === '.' && out.endsWith('.')) continue; // "Jr." ends a sentence: Brown tags a second "."
    if (!glue && !ATTACH_LEFT.has(w)) out += ' ';
    out += text;
    glue = ATTACH_RIGHT.has(w);
  }
  return out;
}

/** Plain text of one tagged Brown corpus file: one sentence per line. */
export function stripBrown(tagged: string): string {
  const lines: string[] = [];
  for (const raw of tagged.split('\n')) {
    const tokens = raw.trim().split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length) lines.push(sentence(tokens));
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Brown corpus file names (c + genre letter + two digits). */
export const isBrownFile = (name: string): boolean => /^c[a-r]\d\d$/.test(name);

/** The deterministic subset used as the default data set: every `stride`-th file in name order, so all
 *  15 genres are represented. */
export function brownSubset(names: string[], stride = 4): string[] {
  return names.filter(isBrownFile).sort().filter((_, i) => i % stride === 0);
}
