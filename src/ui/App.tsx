import { useEffect } from 'react';
import { GpuPanel } from './GpuPanel';
import { probeEnvironment } from './probeEnvironment';
import { TrainPanel } from './train/TrainPanel';

export function App() {
  useEffect(() => {
    void probeEnvironment();
  }, []);
  return (
    <main>
      <header>
        <h1>ringlab</h1>
        <p className="tagline">
          Train a small GPT on simulated devices that exchange gradients by ring allreduce, and watch what happens.
        </p>
      </header>
      <TrainPanel />
      <GpuPanel />
    </main>
  );
}
