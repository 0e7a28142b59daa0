// The runs of the open lesson: each run's numbers once it has ended (folded from the driver's events by
// lessonRun.ts), which run is training now, and why a run could not start. Claims are computed from
// `runs` by the lesson view. A vanilla store: one update per run, none per step.
import { createStore } from 'zustand/vanilla';
import type { LessonRun } from './lessonRun';

export interface LessonRunsState {
  /** The lesson these runs belong to (null: none). */
  lesson: string | null;
  /** By the lesson's run index: the run's numbers once it has ended, null before. */
  runs: (LessonRun | null)[];
  /** The index of the run training now (null: none). */
  running: number | null;
  /** Why the last run asked for did not start ('' when none). */
  error: string;
}

export const lessonStore = createStore<LessonRunsState>()(() => ({ lesson: null, runs: [], running: null, error: '' }));

/** Start over for `lesson` with `count` runs (nothing kept from another lesson). */
export function resetLessonRuns(lesson: string | null, count: number): void {
  lessonStore.setState({ lesson, runs: new Array<LessonRun | null>(count).fill(null), running: null, error: '' });
}

/** The ended runs in order, or fewer when a run before the last is missing (claims need them in order). */
export const endedRuns = (runs: (LessonRun | null)[]): LessonRun[] => {
  const upTo = runs.indexOf(null);
  return (upTo < 0 ? runs : runs.slice(0, upTo)) as LessonRun[];
};
