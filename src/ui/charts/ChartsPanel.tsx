// Every live chart of the run, each with its one-paragraph explanation. Specs are module constants (or
// memoised per device), so a chart is built once per run and then only fed new data.
import { useMemo, useState } from 'react';
import { useRun } from '../stores';
import { FaultLegend } from './FaultLegend';
import { LiveChart } from './LiveChart';
import { MemoryChart } from './MemoryChart';
import { gradLrSpec, lossScaleSpec, lossSpec, stepTimeSpec, throughputSpec } from './specs';
import { TimelineChart } from './TimelineChart';

function StepTimeChart() {
  const N = useRun((s) => s.cfg?.devices ?? 1);
  const [device, setDevice] = useState(0);
  const d = Math.min(device, N - 1);
  const spec = useMemo(() => stepTimeSpec(d), [d]);
  const controls = N > 1 && (
    <label className="inline-control">device{' '}
      <select value={d} onChange={(e) => setDevice(Number(e.target.value))}>
        {Array.from({ length: N }, (_, r) => <option key={r} value={r}>{r}</option>)}
      </select>
    </label>
  );
  return (
    <LiveChart title="Step time" testId="steptime-chart" spec={spec} controls={controls} explain={<>
      Where one device's time goes in each step, stacked. <b>Compute</b>: forward and backward passes and the
      update. <b>Communication</b>: its own work for the allreduce (adding incoming gradient chunks, copying,
      sending). <b>Waiting</b>: blocked until a slower device or a link delivers the next chunk. Step 1
      includes warm-up and runs off the top.
    </>} />
  );
}

export function ChartsPanel() {
  return (
    <section className="panel charts" aria-label="Charts">
      <h2>Charts</h2>
      <div className="chart-grid">
        <LiveChart title="Loss" testId="loss-chart" spec={lossSpec} footer={<FaultLegend />} explain={<>
          Training loss of each step's batch, and validation loss on held-out text (dots). Lower is better; a model
          that guesses uniformly among V characters scores ln V. On every chart a red dashed line marks a device
          that failed at that step and a red band the finished steps lost and trained again; grey ticks mark
          saved checkpoints. Point at a marked step for the details.
        </>} />
        <LiveChart title="Throughput" testId="throughput-chart" spec={throughputSpec} explain={<>
          Tokens (characters) trained per second in each step, all devices together.
        </>} />
        <StepTimeChart />
        <LiveChart title="Loss scale" testId="lossscale-chart" spec={lossScaleSpec} explain={<>
          fp16 gradients overflow above 65504, so the loss is multiplied by a scale before backward. On an overflow
          the step is skipped (red dot) and the scale halves; after a run of good steps it doubles. fp32 runs keep
          it at 1.
        </>} />
        <LiveChart title="Gradient norm and learning rate" testId="gradlr-chart" spec={gradLrSpec} explain={<>
          The gradient's global norm before clipping (clipped down to the clip setting when above it), and the
          learning rate of each step: warmup, then the schedule.
        </>} />
        <MemoryChart />
        <TimelineChart />
      </div>
    </section>
  );
}
