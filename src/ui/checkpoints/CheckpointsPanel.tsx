// The checkpoint timeline: every checkpoint kept in this browser (IndexedDB), newest first, with its run,
// step, loss, time and size, and what can be done with it: restore (a run that continues it exactly,
// with its own settings; the charts redraw from its history), export (download the .safetensors file),
// delete; and import a .safetensors checkpoint file (verified before anything is stored). Listed at
// page load, refreshed after each save. Messages (a corrupt file, full storage) stay until the next action.
import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { fmt } from '../../engine/memory';
import { runLabel, type RunCheckpointSummary } from '../../state/checkpointList';
import { isActive } from '../../state/runStore';
import { restoreCheckpoint } from '../runTraining';
import { saveFile } from '../saveFile';
import { checkpoints, useForm, useRun } from '../stores';

const time = (ms: number) => new Date(ms).toLocaleString('en-GB', { hour12: false, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });

function Row({ c, busy }: { c: RunCheckpointSummary; busy: boolean }) {
  const name = `step ${c.step} of the ${runLabel(c.run)}`;
  return (
    <tr data-testid="checkpoint-row" data-step={c.step} data-run={c.run} data-id={c.id}>
      <td>{runLabel(c.run)}</td>
      <td className="num">{c.step}</td>
      <td className="num">{c.loss === null ? '–' : c.loss.toFixed(4)}</td>
      <td>{time(c.savedAt)}</td>
      <td className="num">{fmt(c.bytes)}</td>
      <td className="actions">
        <button type="button" disabled={busy} aria-label={`restore ${name}`} onClick={() => void restoreCheckpoint(c)}>Restore</button>
        <button type="button" aria-label={`export ${name}`} onClick={() => void checkpoints.exportFile(c).then((f) => f && saveFile(f.bytes, f.name))}>Export</button>
        <button type="button" aria-label={`delete ${name}`} onClick={() => void checkpoints.remove(c)}>Delete</button>
      </td>
    </tr>
  );
}

export function CheckpointsPanel() {
  const { items, message, ready } = useStore(checkpoints.store);
  const active = useRun((s) => isActive(s.status));
  const every = useForm((s) => s.cfg?.checkpointEvery);
  const keep = useForm((s) => s.cfg?.keep);
  const file = useRef<HTMLInputElement>(null);
  useEffect(() => void checkpoints.refresh(), []);

  const onFile = async () => {
    const f = file.current?.files?.[0];
    if (!f) return;
    await checkpoints.importFile(f.name, new Uint8Array(await f.arrayBuffer()));
    file.current!.value = ''; // the same file can be picked again
  };

  return (
    <section className="panel checkpoints" aria-labelledby="checkpoints-title">
      <h2 id="checkpoints-title">Checkpoints</h2>
      <p className="explain">
        A checkpoint holds everything needed to continue a run exactly: the weights, the optimizer state of every
        device, the loss scale, the step, the settings, a fingerprint of the data and the chart history. Runs save one
        every <code>checkpoint-every</code> steps ({every ? `now ${every}, the newest ${keep} kept per run` : 'now 0: off'})
        and one where they are stopped, in this browser's storage, checked by SHA-256 on every load. After a device
        failure, <b>restart</b> goes back to the newest. <b>Restore</b> continues a checkpoint with its own settings.
      </p>
      <div className="checkpoint-tools">
        <label className="inline-control">Import a checkpoint file{' '}
          <input ref={file} type="file" accept=".safetensors" aria-label="import checkpoint file" data-testid="checkpoint-import" onChange={() => void onFile()} />
        </label>
      </div>
      {message && (
        <p className={message.error ? 'error' : 'message'} role={message.error ? 'alert' : 'status'} data-testid="checkpoint-message">{message.text}</p>
      )}
      {ready && items.length === 0 && <p className="empty">No checkpoints yet.</p>}
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="compare checkpoint-list" data-testid="checkpoint-list">
            <caption className="visually-hidden">Saved checkpoints, newest first</caption>
            <thead>
              <tr><th>run</th><th>step</th><th>loss</th><th>saved</th><th>size</th><th><span className="visually-hidden">actions</span></th></tr>
            </thead>
            <tbody>
              {items.map((c) => <Row key={c.id} c={c} busy={active} />)}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
