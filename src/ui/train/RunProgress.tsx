// Progress of the run: step / steps with a bar, latest loss, tokens/s, elapsed and ETA.
import { useTrain } from '../../state/trainStore';
import { duration, rate } from './format';

/** Headline numbers of the current (or last) run. */
export function RunProgress() {
  const m = useTrain((s) => s.metrics);
  const n = m.x.length;
  const step = n ? m.x[n - 1] : 0;
  const lastVal = [...m.val].reverse().find((v) => v !== null);
  return (
    <div className="progress" data-testid="train-progress">
      <progress max={m.steps || 1} value={step} />
      <dl className="stats">
        <div><dt>step</dt><dd data-testid="train-step">{step} / {m.steps}</dd></div>
        <div><dt>loss</dt><dd data-testid="train-loss">{n ? m.loss[n - 1].toFixed(4) : '–'}</dd></div>
        <div><dt>val loss</dt><dd>{lastVal != null ? lastVal.toFixed(4) : '–'}</dd></div>
        <div><dt>tokens/s</dt><dd data-testid="train-tps">{n ? rate(m.tokensPerS) : '–'}</dd></div>
        <div><dt>elapsed</dt><dd>{duration(m.elapsedMs)}</dd></div>
        <div><dt>ETA</dt><dd>{n && step < m.steps ? duration(m.etaMs) : '–'}</dd></div>
      </dl>
    </div>
  );
}
