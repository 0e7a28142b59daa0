// The page's side of share links (the codec is src/engine/link.ts): the form as a link, and a link as the
// form, hidden controls, lesson and one visible line for every part of it that could not be used. A link
// means what it means to `npm run train -- --config LINK`: settings it does not name have the CLI's
// defaults, not the page's, so the same link trains the same run in both. A lesson's own settings sit
// under the link's. A text of one's own travels by name only (`dataFile`): the page cannot train on a
// text it was not given, so it says so and uses the default data. Pure: no DOM.
import { type RunConfig } from '../engine/config';
import { configFromLink, configToLink, describeProblem } from '../engine/link';
import { CURRENT_VERSIONING, hashOf, migratePairs, splitPairs, versionOf, type LinkPair } from '../engine/link-pairs';
import { escapeText, linkableData } from '../engine/link-values';
import { isField, type FieldKey } from './formFields';
import { formOfConfig, type FormValues } from './trainForm';

/** The link text (no '#') for the page's settings, hidden controls and lesson; an own text is named by
 *  dataFile. Null when the codec refuses (it does not for a config the form validated). */
export function pageLinkText(cfg: RunConfig, hidden: readonly FieldKey[], lesson: string | null): string | null {
  try {
    return configToLink(cfg, { hide: [...hidden], lesson: lesson ?? undefined, ownData: !linkableData(cfg.data) });
  } catch {
    return null;
  }
}

export interface PageLinkRead {
  /** The settings to show; null when the link carries none (an empty hash) or cannot be read at all. */
  form: FormValues | null;
  hidden: FieldKey[];
  lesson: string | null;
  /** The sender's own text the link names (`dataFile`), which the page does not have (null: none named). */
  missingText: string | null;
  /** One line per part of the link that was not used as written, saying what was used instead. */
  notices: string[];
}

export interface PageLinkContext {
  /** A lesson's own settings as a link, or null when there is no lesson of that id. */
  lessonSettings: (id: string) => string | null;
  /** The lesson ids, to name them when a link asks for another. */
  lessonIds: readonly string[];
  /** What the page keeps when a link cannot be read at all ("your saved settings", "the defaults"). */
  fallback: string;
}

/** The link's pairs with a lesson's settings under them: the lesson's settings the link does not name,
 *  then the link's own pairs, as one link text (current version). The link's pairs are upgraded to the
 *  current version first (lesson settings are written in it); null when they cannot be. Reading the
 *  result checks every rule between settings over both at once, so `killDevice=1@8` in a link on top of
 *  a 4-device lesson is read with 4 devices, not the default 1. */
function underLesson(hash: string, lessonSettings: string): string | null {
  const link = splitPairs(hash);
  const v = versionOf(link.pairs, CURRENT_VERSIONING.current);
  if ('code' in v) return null;
  const pairs = migratePairs(link.pairs.filter(([k]) => k !== 'v'), v.version, CURRENT_VERSIONING);
  if ('code' in pairs) return null;
  const named = new Set(pairs.map(([k]) => k));
  const lesson = splitPairs(lessonSettings).pairs.filter(([k]) => k !== 'v' && !named.has(k));
  const text = (p: LinkPair) => (p[1] === null ? escapeText(p[0]) : `${escapeText(p[0])}=${escapeText(p[1])}`);
  // a part with broken escapes stays in as written, so the reader reports it as it would without a lesson
  const broken = hash.split('&').filter((part) => part !== '' && splitPairs(part).problems.length > 0);
  return [`v=${CURRENT_VERSIONING.current}`, ...lesson.map(text), ...pairs.map(text), ...broken].join('&');
}

/** Read the address's hash for the page. Never throws. */
export function readPageLink(hash: string, ctx: PageLinkContext): PageLinkRead {
  const none: PageLinkRead = { form: null, hidden: [], lesson: null, missingText: null, notices: [] };
  const text = hashOf(hash);
  if (text.trim() === '') return none;
  const first = configFromLink(text);
  let r = first;
  if (!r.ok) return { ...none, notices: [`This link cannot be read: ${r.error.message}. Nothing of it was used; the page shows ${ctx.fallback}.`] };
  const notices: string[] = [];
  let lesson: string | null = null;
  if (r.lesson !== null) {
    const own = ctx.lessonSettings(r.lesson);
    const merged = own === null ? null : underLesson(text, own);
    const read = merged === null ? null : configFromLink(merged);
    if (own === null) notices.push(`lesson: there is no lesson ${JSON.stringify(r.lesson)} (the lessons are ${ctx.lessonIds.join(', ')}); none opened`);
    else if (read?.ok) {
      lesson = r.lesson;
      r = read;
    } else notices.push(`lesson: the lesson's settings and this link's cannot be read together (${read ? read.error.message : 'its version cannot be upgraded'}); none opened`);
  }
  // the merged text states v itself: a missing v is the link's own problem
  const missingV = r !== first && first.ok ? first.problems.filter((p) => p.key === 'v') : [];
  notices.unshift(...[...missingV, ...r.problems].map(describeProblem));
  if (r.dataFile !== null) notices.push(`dataFile: this link trains on the sender's own text ${JSON.stringify(r.dataFile)}, which a link does not carry; used ${r.cfg.data} instead`);
  return { form: formOfConfig(r.cfg), hidden: [...r.hidden].filter(isField), lesson, missingText: r.dataFile, notices };
}
