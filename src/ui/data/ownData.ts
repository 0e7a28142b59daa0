// The page's side of texts of one's own: import a .txt file (its name and size checked before it is
// read, its bytes checked and kept by the data worker, so an 8 MiB text is decoded and tokenized off the
// main thread), list and delete the texts kept, and keep the settings form's list of them current.
// Legend: sizes in bytes.
import * as Comlink from 'comlink';
import { createStore } from 'zustand/vanilla';
import { envStore } from '../../state/envStore';
import { formStore } from '../../state/formStore';
import { textFileProblem } from '../../state/ownText';
import { deleteText, listTexts, type TextSummary } from '../../state/textStore';
import { dataWorker } from './loadData';

/** The texts this browser keeps (null until read). */
export const textsStore = createStore<{ texts: TextSummary[] | null; error: string | null }>()(() => ({ texts: null, error: null }));

/** Read the list from IndexedDB and hand the names to the settings form; never throws. */
export async function refreshTexts(): Promise<void> {
  try {
    const texts = await listTexts();
    textsStore.setState({ texts, error: null });
    formStore.getState().setOwnTexts(texts.map((t) => t.name));
  } catch (e) {
    textsStore.setState({ texts: [], error: `your texts could not be read from this browser's storage: ${e instanceof Error ? e.message : String(e)}` });
    formStore.getState().setOwnTexts([]);
  }
}

/** Import `file` and make it the data set; resolves to a message for the user (error or done). */
export async function importTextFile(file: File): Promise<{ ok: boolean; message: string }> {
  const problem = textFileProblem(file.name, file.size);
  if (problem) return { ok: false, message: problem };
  const bytes = new Uint8Array(await file.arrayBuffer());
  const r = await dataWorker().importText(file.name, Comlink.transfer(bytes, [bytes.buffer])); // moved, not copied
  if (!r.ok) return { ok: false, message: r.message };
  envStore.setState((s) => ({ vocab: { ...s.vocab, [file.name]: r.vocabSize } }));
  await refreshTexts();
  formStore.getState().setField('data', file.name);
  return { ok: true, message: `${file.name}: ${r.chars.toLocaleString('en-US')} characters, vocabulary ${r.vocabSize}; kept in this browser and chosen as the data` };
}

/** Delete a kept text (the settings then say it is missing if they still name it). */
export async function removeText(name: string): Promise<void> {
  await deleteText(name);
  await dataWorker().forget(name);
  envStore.setState((s) => ({ vocab: Object.fromEntries(Object.entries(s.vocab).filter(([k]) => k !== name)) }));
  await refreshTexts();
}
