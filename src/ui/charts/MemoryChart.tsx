// Memory per device: weights, gradients, optimizer state, activations (and EMA weights when on) as one
// stacked bar per device, from the run's estimate (src/engine/memory.ts, the numbers the memory check
// passed) and each device's own model-state accounting (optimizer state as allocated: with ZeRO-1 each
// device holds only its shard). Rendered when a run starts; nothing here changes per step.
// Legend: N = devices; bytes.
import { useId } from 'react';
import { fmt } from '../../engine/memory';
import { useRun } from '../stores';

const PARTS = [
  ['weights', 'weights', '#2f6fd6'],
  ['grads', 'gradients', '#e0a030'],
  ['optimizer', 'optimizer state', '#7b3fb5'],
  ['activations', 'activations', '#5aa469'],
  ['ema', 'EMA weights', '#9aa3ad'],
] as const;

type Part = (typeof PARTS)[number][0];

export function MemoryChart() {
  const memory = useRun((s) => s.memory);
  const devices = useRun((s) => s.devices);
  const cfg = useRun((s) => s.cfg);
  const titleId = useId();
  const rows = memory && cfg ? devices.map((d) => {
    const parts: Record<Part, number> = { weights: d.memory.weights, grads: memory.grads, optimizer: d.memory.optimizer, activations: memory.activations, ema: memory.ema };
    return { rank: d.rank, parts, total: PARTS.reduce((a, [k]) => a + parts[k], 0) };
  }) : [];
  const widest = Math.max(1, ...rows.map((r) => r.total));
  const zero = cfg?.zero === 1 && cfg.devices > 1;
  return (
    <figure className="chart-figure" aria-labelledby={titleId}>
      <figcaption>
        <span id={titleId} className="chart-title">Memory per device</span>
        <span className="legend">{PARTS.map(([k, name, color]) => <span key={k} className="swatch" style={{ ['--c' as string]: color }}>{name}</span>)}</span>
      </figcaption>
      <p className="explain">
        What each device keeps for training: the weights, their gradients, the optimizer's state (AdamW keeps two
        numbers per weight) and the activations of one micro-batch saved for the backward pass.
        {zero ? ' ZeRO-1 is on: each device keeps only its 1/N share of the optimizer state.' : ' With ZeRO-1 each device would keep only 1/N of the optimizer state.'}
      </p>
      {rows.length === 0 ? <p className="empty">Start a run to see its memory.</p> : (
        <ul className="membars" data-testid="memory-chart">
          {rows.map((r) => (
            <li key={r.rank} aria-label={`device ${r.rank}: ${fmt(r.total)}`} data-optimizer={r.parts.optimizer}>
              <span className="memlabel">device {r.rank}</span>
              <span className="membar" style={{ width: `${(100 * r.total) / widest}%` }}>
                {PARTS.filter(([k]) => r.parts[k] > 0).map(([k, name, color]) => (
                  <span key={k} title={`${name}: ${fmt(r.parts[k])} (${r.parts[k].toLocaleString('en-US')} bytes)`} style={{ width: `${(100 * r.parts[k]) / r.total}%`, background: color }} />
                ))}
              </span>
              <span className="memtotal">{fmt(r.total)}</span>
            </li>
          ))}
        </ul>
      )}
      {zero && memory && <p className="note">Optimizer state per device {fmt(rows[0]?.parts.optimizer ?? 0)} instead of {fmt(memory.optimizer * cfg!.devices)} without ZeRO-1.</p>}
    </figure>
  );
}
