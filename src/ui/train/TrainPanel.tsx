// The Train panel: settings, controls, and the live views of the run (progress, loss, per-device split).
import { DeviceBreakdown } from './DeviceBreakdown';
import { LossChart } from './LossChart';
import { RunControls } from './RunControls';
import { RunProgress } from './RunProgress';
import { SampleText } from './SampleText';
import { TrainSettings } from './TrainSettings';

/** Train a GPT on N simulated devices (one Web Worker each) and watch it. */
export function TrainPanel() {
  return (
    <section className="panel" data-testid="train-panel">
      <h2>Train</h2>
      <p className="hint">
        Each device is a Web Worker with its own copy of the model; gradients travel between workers over
        MessageChannels by the chosen allreduce. Same settings as <code>npm run train</code>.
      </p>
      <TrainSettings />
      <RunControls />
      <RunProgress />
      <LossChart />
      <DeviceBreakdown />
      <SampleText />
    </section>
  );
}
