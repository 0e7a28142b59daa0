// Where each device's step time goes (compute / communication / waiting, mean ms per step, the first
// step left out once others exist) as stacked bars on a common scale, with bytes each device sent. Rows
// are by device id; a device that died keeps the means of the steps it trained, marked dead.
import { fmt } from '../../engine/memory';
import { useRun } from '../stores';
import { ms } from './format';

const PARTS = [['compute', 'compute'], ['comm', 'communication'], ['idle', 'waiting']] as const;

/** One row per device: stacked bar, the three times, bytes sent per step and in total. */
export function DeviceBreakdown() {
  const devices = useRun((s) => s.split);
  const info = useRun((s) => s.devices);
  const dead = useRun((s) => s.dead);
  if (!devices.length || !info.length) return null;
  const widest = Math.max(...devices.map((d) => d.compute + d.comm + d.idle), 1e-9);
  return (
    <div className="breakdown">
      <h3>Step time per device <span className="legend">{PARTS.map(([k, name]) => <span key={k} className={`swatch ${k}`}>{name}</span>)}</span></h3>
      <table data-testid="device-breakdown">
        <thead>
          <tr><th>device</th><th>backend</th><th className="bar-col">ms per step</th><th>compute</th><th>comm</th><th>idle</th><th>sent / step</th><th>sent total</th></tr>
        </thead>
        <tbody>
          {devices.map((d, r) => (
            <tr key={r} data-testid="device-row" data-compute={d.compute} data-comm={d.comm} data-idle={d.idle} data-bytes={d.bytesTotal} data-dead={dead.includes(r)}>
              <td>{r}{dead.includes(r) ? ' (dead)' : ''}</td>
              <td data-testid="device-backend">{info.find((x) => x.id === r)?.backend}</td>
              <td className="bar-col">
                <div className="bar">
                  {PARTS.map(([k, name]) => <span key={k} className={k} title={`${name} ${ms(d[k])} ms`} style={{ width: `${(100 * d[k]) / widest}%` }} />)}
                </div>
              </td>
              <td>{ms(d.compute)}</td>
              <td>{ms(d.comm)}</td>
              <td>{ms(d.idle)}</td>
              <td>{fmt(d.bytesPerStep)}</td>
              <td>{fmt(d.bytesTotal)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
