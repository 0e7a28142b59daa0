// The page's corpus loader reads the same characters the CLI reads from the same bytes (src/engine/data/text.ts):
// a leading byte-order mark stays a character (Response.text() would drop it), bad bytes are refused.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadBrowserData } from '../../src/ui/data/browserData';

const fetched: string[] = [];
function serve(body: Uint8Array<ArrayBuffer>) {
  vi.stubGlobal('fetch', async (url: string) => (fetched.push(url), new Response(body)));
}
afterEach(() => vi.unstubAllGlobals());

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('loadBrowserData', () => {
  it('keeps a leading byte-order mark, U+FFFD and \\r\\n as characters, as the CLI does', async () => {
    const text = '\ufeffab\ufffd\r\n'.repeat(10);
    serve(utf8(text));
    const ds = await loadBrowserData('brown', 'http://host/some/prefix/');
    expect(ds.tokenizer.chars).toEqual(['\n', '\r', 'a', 'b', '\ufeff', '\ufffd']);
    expect(ds.tokenizer.decode(ds.train) + ds.tokenizer.decode(ds.val)).toBe(text);
  });

  it('fetches the corpus under the page\'s base, not relative to the worker\'s script', async () => {
    serve(utf8('some text\n'.repeat(10)));
    fetched.length = 0;
    await loadBrowserData('brown', 'http://host/some/prefix/');
    expect(fetched).toEqual(['http://host/some/prefix/data/brown.txt']);
  });

  it('refuses bytes that are not UTF-8, naming the byte offset', async () => {
    serve(new Uint8Array([...utf8('abc'), 0xff, ...utf8('def')]));
    await expect(loadBrowserData('brown', 'http://host/some/prefix/')).rejects.toThrow(/^the Brown corpus at \S+ is not UTF-8 text: invalid byte sequence at byte 3$/);
  });
});
