// The converter (scripts/to_nanogpt.py) as text, so a bundle made anywhere (the CLI, the page) carries the
// same committed script. Vite and scripts/raw-loader.mjs turn the `?raw` import into the file's text.
import source from '../../../scripts/to_nanogpt.py?raw';

/** The text of scripts/to_nanogpt.py. */
export const CONVERTER: string = source;
