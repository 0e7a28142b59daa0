// The page's checkpoint list: every run's checkpoints in IndexedDB (database 'ringlab'), opened on first
// use and listed at page load.
import { createCheckpoints } from '../state/checkpointList';
import { IdbCheckpointStore } from '../state/checkpointStore';

export const checkpoints = createCheckpoints(() => IdbCheckpointStore.open());
