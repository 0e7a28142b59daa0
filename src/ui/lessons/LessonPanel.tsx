// The lessons: a menu to open one, and beside the live run the open lesson's short text, its question,
// one button per run (each lands in "Compare runs"), and the numbers that answer the question with what
// they show. The numbers and the verdict come from the runs' own events (lessonClaims.ts).
import { useMemo } from 'react';
import { lessonById, LESSONS } from '../../state/lessons';
import { endedRuns, lessonStore } from '../../state/lessonStore';
import { linkStore } from '../../state/linkStore';
import { isActive } from '../../state/runStore';
import { openLesson } from '../linkSync';
import { stopTraining } from '../runTraining';
import { useRun } from '../stores';
import { useStore } from 'zustand';
import { runLesson } from './runLesson';

export function LessonPanel() {
  const id = useStore(linkStore, (s) => s.lesson);
  const lesson = id === null ? null : lessonById(id);
  const { runs, running, error } = useStore(lessonStore);
  const busy = useRun((s) => isActive(s.status)) || running !== null;
  const answered = lesson !== null && runs.length === lesson.runs.length && runs.every((r) => r !== null);
  const result = useMemo(() => (lesson ? lesson.claim(endedRuns(runs)) : null), [lesson, runs]);
  const state = !answered ? 'waiting' : result?.holds ? 'holds' : 'fails';
  return (
    <section className="panel lesson" aria-labelledby="lesson-title" data-testid="lesson-panel">
      <h2 id="lesson-title">Lessons</h2>
      <div className="setting">
        <label htmlFor="lesson-menu">lesson</label>
        <select id="lesson-menu" data-testid="lesson-menu" value={id ?? ''} disabled={busy} onChange={(e) => openLesson(e.target.value || null)}>
          <option value="">none (free settings)</option>
          {LESSONS.map((l, k) => <option key={l.id} value={l.id}>{k + 1}. {l.title}</option>)}
        </select>
      </div>
      {!lesson ? (
        <p className="explain">Each lesson sets up an experiment, asks a question, and runs what answers it. Its settings stay editable and go into the page's link.</p>
      ) : (
        <div data-testid="lesson" data-lesson={lesson.id}>
          <h3>{lesson.title}</h3>
          {lesson.text.map((p, k) => <p key={k} className="explain">{p}</p>)}
          <p className="question"><b>Question:</b> {lesson.question}</p>
          <div className="controls">
            {lesson.runs.map((r, i) => (
              <button key={i} type="button" data-testid={`lesson-run-${i}`} disabled={busy} aria-label={`run: ${r.label}`}
                onClick={() => void runLesson(lesson, [i])}>
                {running === i ? '⏳ ' : runs[i] ? '✓ ' : ''}{r.label}
              </button>
            ))}
            <button type="button" data-testid="lesson-run-all" disabled={busy} onClick={() => void runLesson(lesson, lesson.runs.map((_, i) => i))}>Run all</button>
            <button type="button" disabled={!busy} onClick={stopTraining}>Stop</button>
          </div>
          {error && <p className="error" role="alert" data-testid="lesson-error">{error}</p>}
          <p className="explain"><b>Where to look:</b> {lesson.answer}</p>
          <div className="lesson-result" data-testid="lesson-result" data-state={state}>
            <p role="status" data-testid="lesson-claim">
              {answered ? result!.summary : `Run ${runs.filter((r) => r === null).length === lesson.runs.length ? 'the lesson' : 'the remaining runs'} to answer the question.`}
            </p>
            {result && result.numbers.length > 0 && (
              <dl className="lesson-numbers" aria-label="The numbers that answer the question">
                {result.numbers.map((n) => (
                  <div key={n.key} data-testid={`lesson-number-${n.key}`}><dt>{n.label}</dt><dd>{n.value}</dd></div>
                ))}
              </dl>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
