// The address's hash and the settings, kept in step: on load (and when someone pastes another link
// into the address bar) the link is read into the form, the hidden controls and the lesson, with a
// visible line for every part not used as written; after that, every change of the settings rewrites
// the hash with history.replaceState, so the address is always a link to what is on screen and the
// back button is not filled with one entry per keystroke. While the settings are invalid the hash keeps
// the last valid ones; so a reload does not read back a hash this tab wrote itself (sessionStorage
// remembers it), which would overwrite a field being edited with its last valid value.
import { browserStorage } from '../state/formPersist';
import { formStore } from '../state/formStore';
import { lessonById, LESSON_IDS } from '../state/lessons';
import { resetLessonRuns } from '../state/lessonStore';
import { linkStore } from '../state/linkStore';
import { pageLinkText, readPageLink } from '../state/shareLink';

const WRITTEN_KEY = 'ringlab.link';

const ctx = {
  lessonSettings: (id: string) => lessonById(id)?.settings ?? null,
  lessonIds: LESSON_IDS,
  fallback: 'the settings it had before',
};

/** Read `hash` into the page: settings (unless `keepForm`), hidden controls, lesson, notices. */
export function applyLink(hash: string, keepForm = false): void {
  const r = readPageLink(hash, ctx);
  if (r.form && !keepForm) formStore.getState().setFields(r.form);
  const lessonChanged = r.lesson !== linkStore.getState().lesson;
  linkStore.setState({ hidden: r.form ? r.hidden : linkStore.getState().hidden, lesson: r.form ? r.lesson : linkStore.getState().lesson, notices: r.notices });
  if (lessonChanged && r.form) resetLessonRuns(r.lesson, lessonById(r.lesson ?? '')?.runs.length ?? 0);
  writeHash();
}

/** Open a lesson from the page's menu: its settings over the CLI's defaults, as `#v=1&lesson=<id>` would;
 *  the controls a teacher's link hid stay hidden. */
export function openLesson(id: string | null): void {
  if (id === null) {
    linkStore.setState({ lesson: null });
    resetLessonRuns(null, 0);
    writeHash();
    return;
  }
  const hide = linkStore.getState().hidden.map((k) => `&${k}_hide=1`).join('');
  applyLink(`#v=1${hide}&lesson=${id}`);
}

function writeHash(): void {
  const cfg = formStore.getState().cfg;
  const { hidden, lesson } = linkStore.getState();
  const text = cfg ? pageLinkText(cfg, hidden, lesson) : null;
  if (text === null) return;
  if (text !== linkStore.getState().link) linkStore.setState({ link: text });
  if (location.hash.slice(1) !== text) history.replaceState(history.state, '', `#${text}`);
  try {
    browserStorage('sessionStorage')?.setItem(WRITTEN_KEY, text);
  } catch {
    // storage full or refused: a reload then reads the hash like any link
  }
}

/** Read the current address, then keep it in step. Returns the unsubscribe. */
export function startLinkSync(): () => void {
  const own = location.hash.slice(1) !== '' && location.hash.slice(1) === browserStorage('sessionStorage')?.getItem(WRITTEN_KEY);
  // a reload of a link this tab wrote: the saved settings are the link's or newer (a field being edited)
  applyLink(location.hash, own);
  const offForm = formStore.subscribe((s, prev) => s.cfg !== prev.cfg && writeHash());
  const onHash = () => applyLink(location.hash);
  window.addEventListener('hashchange', onHash);
  return () => {
    offForm();
    window.removeEventListener('hashchange', onHash);
  };
}

