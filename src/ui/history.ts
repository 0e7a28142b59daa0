// The page's run history: finished runs in IndexedDB ('ringlab-runs'), read once at page load.
import { idbArchive } from '../state/runArchive';
import { createHistory } from '../state/runHistory';

export const history = createHistory(idbArchive());
