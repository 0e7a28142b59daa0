// A lesson's runs as settings: each run is the current form with the run's few settings put over it
// (the form holds the lesson's settings once the lesson is opened, plus whatever the user or the link
// changed since). Settings are link text (`devices=2&accum=2`): each value is read by the link codec's
// own reader, and the rules between settings are checked on the whole form. Pure.
import { parseConfig, type RunConfig } from '../engine/config';
import { readValue, SETTINGS, unescapeText } from '../engine/link-values';
import type { FieldKey } from './formFields';
import type { Lesson } from './lessons';
import { asText, type FormValues } from './trainForm';

/** The settings of link text (with or without `v=1`), each read on its own; throws for a key that is not a
 *  setting or a value out of its range (lesson data is checked by the unit tests, so this is a bug). */
export function settingsOf(text: string): Map<FieldKey, unknown> {
  const out = new Map<FieldKey, unknown>();
  for (const part of text.split('&')) {
    if (part === '' || part === 'v=1') continue;
    const [key, raw = ''] = part.split('=');
    const k = SETTINGS.get(key);
    const r = k ? readValue(k, unescapeText(raw) ?? '') : null;
    if (!k || !r?.ok) throw new Error(`lesson settings: ${part} is not a setting with a valid value`);
    out.set(k, r.value);
  }
  return out;
}

/** The form of run `i` of a lesson: the current form with the run's settings over it, as form text. */
export const lessonRunForm = (form: FormValues, lesson: Lesson, i: number): FormValues =>
  ({ ...form, ...Object.fromEntries([...settingsOf(lesson.runs[i].settings)].map(([k, v]) => [k, asText(v)])) });

/** The settings of run `i` of a lesson outside the page (tests): the lesson's settings, then `over` (link
 *  text, e.g. smaller runs), then the run's own; the CLI's defaults below them, derived ones derived. */
export function lessonRunConfig(lesson: Lesson, i: number, over = ''): RunConfig {
  const all = new Map([...settingsOf(lesson.settings), ...settingsOf(over), ...settingsOf(lesson.runs[i].settings)]);
  return parseConfig(Object.fromEntries(all));
}
