// What the page's share link says beyond the settings: the controls it hides, the lesson it opens, the
// lines about parts of it that were not used, and the link text the page shows now. A vanilla store,
// written by the link sync (src/ui/linkSync.ts) and read by the settings, share and lesson views.
import { createStore } from 'zustand/vanilla';
import type { FieldKey } from './formFields';

export interface LinkState {
  /** Controls the link hides (`<key>_hide=1`). */
  hidden: FieldKey[];
  /** The open lesson's id (null: none). */
  lesson: string | null;
  /** One line per part of the last link read that was not used as written (what was used instead). */
  notices: string[];
  /** The link text (no '#') of the current settings, hidden controls and lesson ('' before the first). */
  link: string;
  dismissNotices: () => void;
}

export const linkStore = createStore<LinkState>()((set) => ({
  hidden: [], lesson: null, notices: [], link: '',
  dismissNotices: () => set({ notices: [] }),
}));
