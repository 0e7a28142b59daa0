// The faults the charts mark, in words (the markers' legend, and what screen readers get): which device
// failed at which step and how it was noticed, then the recovery: policy, work lost, time to recover.
import { markerText } from '../../state/runEvents';
import { useRun } from '../stores';

export function FaultLegend() {
  const faults = useRun((s) => s.faults);
  if (!faults.length) return null;
  return (
    <ul className="fault-legend" aria-label="Faults marked on the charts" data-testid="fault-legend">
      {faults.map((f, i) => (
        <li key={i} data-step={f.step} data-recovered={f.recovery !== null}>
          <span className="fault-mark" aria-hidden="true" /> {markerText(f)}
        </li>
      ))}
    </ul>
  );
}
