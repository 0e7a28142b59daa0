// Your own text as the data set: import a .txt file (UTF-8, up to MAX_TEXT_BYTES), kept in this browser
// across reloads, chosen under the `data` setting by its file name. A share link names the text
// (`dataFile=NAME`) but never carries it: whoever opens the link imports their copy here.
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { MAX_TEXT_BYTES } from '../../state/ownText';
import { isActive } from '../../state/runStore';
import { useForm, useRun } from '../stores';
import { importTextFile, refreshTexts, removeText, textsStore } from './ownData';

const size = (b: number) => (b < 2 ** 20 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 2 ** 20).toFixed(2)} MiB`);

export function OwnDataPanel() {
  const { texts, error } = useStore(textsStore);
  const data = useForm((s) => s.form.data);
  const setField = useForm((s) => s.setField);
  const locked = useRun((s) => isActive(s.status));
  const [note, setNote] = useState<{ ok: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => void refreshTexts(), []);
  const onFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = ''; // the same file can be chosen again after a fix
    if (!file) return;
    setBusy(true);
    setNote({ ok: true, message: `reading ${file.name}…` });
    try {
      setNote(await importTextFile(file));
    } catch (e) {
      setNote({ ok: false, message: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="own-title" data-testid="own-data">
      <h2 id="own-title">Your own text</h2>
      <p className="explain">
        Train on any UTF-8 text file up to {MAX_TEXT_BYTES / 2 ** 20} MiB: each distinct character becomes a token, the last
        10% is kept for validation (as <code>npm run train --data FILE</code> does). It stays in this browser, and nothing is
        uploaded; a link to this experiment names the file, so whoever opens it imports their own copy here.
      </p>
      <label className="file-import">
        Import a .txt file{' '}
        <input type="file" accept=".txt,text/plain" disabled={busy || locked} data-testid="own-import" onChange={(e) => void onFile(e.currentTarget)} />
      </label>
      {note && <p className={note.ok ? 'message' : 'error'} role={note.ok ? 'status' : 'alert'} data-testid="own-note">{note.message}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {texts && texts.length > 0 && (
        <ul className="own-texts" aria-label="Your texts">
          {texts.map((t) => (
            <li key={t.name} data-testid="own-text" data-name={t.name}>
              <span>{t.name}</span> <span className="muted">{size(t.size)}</span>{' '}
              {data === t.name ? <b>in use</b> : <button type="button" className="link" disabled={locked} aria-label={`Use ${t.name}`} onClick={() => setField('data', t.name)}>Use</button>}{' '}
              <button type="button" className="link" disabled={locked} aria-label={`Delete ${t.name}`} onClick={() => void removeText(t.name)}>Delete</button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
