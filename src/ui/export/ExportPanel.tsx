// Export to nanoGPT from the page: the trained weights as .safetensors and the whole nanoGPT bundle as one
// .tar (both built in a worker from the run's state: the final one, or during a run the state after the
// step in flight), and the commands that continue the run, for the current settings, with Copy buttons.
// The files are the ones `npm run export` writes (docs/export.md).
import * as Comlink from 'comlink';
import { useState } from 'react';
import { useStore } from 'zustand';
import { bundleRoot, bundleName, converterCommand, cpuCommand, torchrunCommand } from '../../engine/export';
import { exportableState, exportStore } from '../../state/exportStore';
import { isActive } from '../../state/runStore';
import type { DownloadResult, ExportApi } from '../../workers/export.worker';
import { useForm, useRun } from '../stores';
import { CommandLine } from './CommandLine';
import { saveFile } from '../saveFile';

type Kind = 'weights' | 'bundle';

/** Build one download in a worker of its own, ended afterwards. */
async function build(kind: Kind): Promise<DownloadResult> {
  const state = await exportableState();
  const run = exportStore.getState().run;
  if (!state || !run) return { ok: false, code: 'NO_RUN', message: 'train first: there are no weights to export yet' };
  const w = new Worker(new URL('../../workers/export.worker.ts', import.meta.url), { type: 'module', name: 'export' });
  try {
    const api = Comlink.wrap<ExportApi>(w);
    return kind === 'weights' ? await api.weights(state) : await api.bundle(state, run.train, run.val);
  } finally {
    w.terminate();
  }
}

export function ExportPanel() {
  const cfg = useForm((s) => s.cfg);
  const status = useRun((s) => s.status);
  const canExport = useStore(exportStore, (s) => s.final !== null || s.requests !== null);
  const [busy, setBusy] = useState<Kind | null>(null);
  const [note, setNote] = useState<{ error: boolean; text: string } | null>(null);
  const download = async (kind: Kind) => {
    setBusy(kind);
    setNote({ error: false, text: isActive(status) ? 'waiting for the step in flight, then building…' : 'building…' });
    try {
      const r = await build(kind);
      if (r.ok) {
        saveFile(r.bytes as Uint8Array<ArrayBuffer>, r.fileName, kind === 'bundle' ? 'application/x-tar' : 'application/octet-stream');
        setNote({ error: false, text: `${r.fileName} (${(r.bytes.length / 1024).toFixed(0)} KiB)` });
      } else setNote({ error: true, text: r.message });
    } catch (e) {
      setNote({ error: true, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
    }
  };
  const name = cfg ? bundleName(cfg.data) : null;
  const sgd = cfg?.optimizer === 'sgd';
  return (
    <section className="panel" aria-labelledby="export-title" data-testid="export-panel">
      <h2 id="export-title">Continue in nanoGPT</h2>
      <p className="explain">
        Take the run to <a href="https://github.com/karpathy/nanoGPT">nanoGPT</a> on real GPUs. The weights file loads
        into nanoGPT's <code>GPT</code>; the bundle (<code>tar xf</code> it in nanoGPT's folder) holds a config for its{' '}
        <code>train.py</code> with the same model, global batch, schedule and optimizer, the data as{' '}
        <code>train.bin</code>/<code>val.bin</code>, the weights with the AdamW state, and a script that turns them into
        the <code>ckpt.pt</code> nanoGPT resumes from. During a run the files hold the state after the step in flight.
      </p>
      <div className="controls">
        <button type="button" disabled={!canExport || busy !== null} onClick={() => void download('weights')}>Download weights (.safetensors)</button>
        <button type="button" disabled={!canExport || busy !== null} onClick={() => void download('bundle')}>Download nanoGPT bundle (.tar)</button>
      </div>
      {note && <p className={note.error ? 'error' : 'message'} role={note.error ? 'alert' : 'status'} data-testid="export-note">{note.text}</p>}
      {cfg && name && (
        <div className="commands" data-testid="export-commands">
          {sgd && <p className="error">This run trains with SGD; nanoGPT's train.py trains with AdamW only, so only the weights carry over.</p>}
          <CommandLine label="convert" command={converterCommand(bundleRoot(name))} testId="command-convert" />
          <CommandLine label="torchrun" command={torchrunCommand(cfg, name)} testId="command-torchrun" />
          <CommandLine label="CPU" command={cpuCommand(name)} testId="command-cpu" />
          <p className="explain">
            From nanoGPT's folder: convert once, then torchrun starts one process per device on {cfg.devices} CUDA GPU{cfg.devices > 1 ? 's' : ''}{' '}
            ({cfg.devices} × {cfg.microBatch} × {cfg.accum} sequences per step, as here); without CUDA the CPU command is one process that
            accumulates the same global batch.
          </p>
        </div>
      )}
    </section>
  );
}
