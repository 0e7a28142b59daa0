// The page: what it is, its share link, the settings, the open lesson, the run (controls, progress, warnings), the devices and their
// links, the live charts, the per-device split, a sample from the model, the comparison of finished
// runs, the checkpoints, and the compute adapter. Loads the run history and the data vocabulary once,
// measures `auto`, and asks before leaving during a run.
import { useEffect } from 'react';
import { ChartsPanel } from './charts/ChartsPanel';
import { CheckpointsPanel } from './checkpoints/CheckpointsPanel';
import { ComparePanel } from './compare/ComparePanel';
import { ExportPanel } from './export/ExportPanel';
import { learnVocab } from './data/loadData';
import { OwnDataPanel } from './data/OwnDataPanel';
import { GpuPanel } from './GpuPanel';
import { LessonPanel } from './lessons/LessonPanel';
import { guardLeaving } from './leaveGuard';
import { probeEnvironment } from './probeEnvironment';
import { SettingsPanel } from './settings/SettingsPanel';
import { SharePanel } from './share/SharePanel';
import { history, useForm } from './stores';
import { TopologyView } from './topology/TopologyView';
import { DeviceBreakdown } from './train/DeviceBreakdown';
import { RunControls } from './train/RunControls';
import { RunNotes } from './train/RunNotes';
import { RunProgress } from './train/RunProgress';
import { SampleText } from './train/SampleText';

export function App() {
  const data = useForm((s) => s.form.data);
  useEffect(() => {
    void probeEnvironment();
    void history.load();
    return guardLeaving();
  }, []);
  useEffect(() => learnVocab(data), [data]);
  return (
    <main>
      <header>
        <h1>ringlab</h1>
        <p className="tagline">
          A small GPT learns to write English on several simulated devices at once. Each device trains on its own
          part of every batch, then the devices add up their gradients by passing them round a ring (ring
          allreduce), so every copy of the model takes the same step. Press Start and watch the loss fall, the
          gradients travel, and where each device's time goes.
        </p>
      </header>
      <SharePanel />
      <SettingsPanel />
      <OwnDataPanel />
      <LessonPanel />
      <section className="panel run" aria-labelledby="run-title">
        <h2 id="run-title">Run</h2>
        <RunControls />
        <RunProgress />
        <RunNotes />
      </section>
      <div className="columns">
        <TopologyView />
        <section className="panel" aria-labelledby="split-title">
          <h2 id="split-title">Where the time goes</h2>
          <p className="explain">
            Mean per step for each device. <b>Compute</b>: forward, backward and update. <b>Communication</b>: the
            device's own work for the allreduce. <b>Waiting</b>: idle until a peer's chunk arrives; a slow device
            makes the others wait.
          </p>
          <DeviceBreakdown />
          <SampleText />
        </section>
      </div>
      <ChartsPanel />
      <CheckpointsPanel />
      <ComparePanel />
      <ExportPanel />
      <GpuPanel />
    </main>
  );
}
