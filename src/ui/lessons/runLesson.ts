// A lesson's runs, trained one after another as ordinary runs of the page (the live views show each,
// and each lands in the run comparison under its label). Each run is the current form with the run's
// settings over it; its events are folded into the lesson's numbers as they come. A run with
// checkpoints gets a checkpoint store of its own in IndexedDB (what restart recovery goes back to),
// emptied when the run has ended.
import type { CheckpointStore } from '../../engine/checkpoint';
import { IdbCheckpointStore } from '../../state/checkpointStore';
import { formStore } from '../../state/formStore';
import { lessonRunForm } from '../../state/lessonPlan';
import { addLessonEvent, newLessonRun } from '../../state/lessonRun';
import type { Lesson } from '../../state/lessons';
import { lessonStore } from '../../state/lessonStore';
import { validateForm } from '../../state/trainForm';
import { history } from '../stores';
import { startTraining } from '../runTraining';

async function withStore<T>(wanted: boolean, name: string, fn: (store?: CheckpointStore) => Promise<T>): Promise<T> {
  if (!wanted) return fn();
  const store = await IdbCheckpointStore.open({ run: name });
  try {
    return await fn(store);
  } finally {
    for (const c of await store.list().catch(() => [])) await store.delete(c.id).catch(() => undefined);
    store.close();
  }
}

/** Train runs `which` of `lesson` in order; stops early when a run is stopped or cannot start. */
export async function runLesson(lesson: Lesson, which: number[]): Promise<void> {
  const saved: string[] = [];
  lessonStore.setState({ error: '' });
  for (const i of which) {
    const { label } = lesson.runs[i];
    const v = validateForm(lessonRunForm(formStore.getState().form, lesson, i));
    if (!v.ok) {
      const why = Object.entries(v.errors).map(([k, m]) => `${k}: ${m}`).join('; ');
      lessonStore.setState({ error: `"${label}" cannot start with these settings: ${why}` });
      break;
    }
    const run = newLessonRun(label);
    lessonStore.setState({ running: i });
    let id: string | null = null;
    try {
      const name = `lesson-${lesson.id}-${i}-${Date.now()}`;
      id = await withStore(v.cfg.checkpointEvery > 0, name, (checkpoints) => startTraining(v.cfg, { label, checkpoints, observe: (ev) => addLessonEvent(run, ev) }));
    } catch (e) {
      lessonStore.setState({ error: `"${label}": ${e instanceof Error ? e.message : String(e)}` });
    }
    if (id) saved.push(id);
    if (lessonStore.getState().lesson !== lesson.id) return; // another lesson was opened meanwhile
    const runs = [...lessonStore.getState().runs];
    runs[i] = run;
    lessonStore.setState({ runs, running: null });
    if (run.status === 'stopped' || run.status === 'starting') break;
  }
  lessonStore.setState({ running: null });
  if (saved.length > 1) history.select(saved); // overlay the lesson's runs in "Compare runs"
}
