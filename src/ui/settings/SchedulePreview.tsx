// A small preview of the learning rate over the run, computed with the engine's own schedule (lrAt), so
// warmup, cosine decay, restarts and the floor look exactly as they will be applied.
// Legend: S = steps; the curve has at most 120 points.
import { useId } from 'react';
import type { RunConfig } from '../../engine/config';
import { lrAt } from '../../engine/optim/schedule';

const W = 220, H = 64, PAD = 4;

export function SchedulePreview({ cfg }: { cfg: RunConfig | null }) {
  const titleId = useId();
  if (!cfg) return <figure className="schedule" aria-labelledby={titleId}><figcaption id={titleId}>Learning-rate schedule</figcaption><p className="empty">Fix the settings to see it.</p></figure>;
  const S = cfg.steps, n = Math.min(120, S);
  const its = Array.from({ length: n }, (_, i) => Math.round((i * (S - 1)) / Math.max(1, n - 1)));
  const lrs = its.map((it) => lrAt(cfg.schedule, cfg, it));
  const top = Math.max(...lrs, 1e-12);
  const pts = its.map((it, i) => `${(PAD + (it / Math.max(1, S - 1)) * (W - 2 * PAD)).toFixed(1)},${(H - PAD - (lrs[i] / top) * (H - 2 * PAD)).toFixed(1)}`).join(' ');
  return (
    <figure className="schedule" aria-labelledby={titleId}>
      <figcaption id={titleId}>Learning-rate schedule</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`lr rises over ${cfg.warmup} warmup steps to ${cfg.lr}, then ${cfg.schedule === 'constant' ? 'stays there' : `follows ${cfg.schedule} down to ${Number(cfg.minLr.toPrecision(3))}`} by step ${S}`} data-testid="schedule-preview">
        <polyline points={pts} fill="none" stroke="#8a6d00" strokeWidth="1.5" />
      </svg>
      <span className="axis">step 1 … {S}; peak {cfg.lr}</span>
    </figure>
  );
}
