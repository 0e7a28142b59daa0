// Progress of the run: step / steps with a bar, latest loss, validation loss, tokens/s, elapsed and ETA
// (the ETA only while training: cleared when the run stops, fails or ends). Before the first run the
// step count is the settings' (what Start would train), not the idle store's 0.
import { useForm, useRun } from '../stores';
import { duration, rate } from './format';

export function RunProgress() {
  const { step, steps: runSteps, loss, valLoss, tokensPerS, elapsedMs, etaMs, status, commShare } = useRun((s) => s);
  const planned = useForm((f) => f.cfg?.steps ?? null);
  const steps = status === 'idle' && planned !== null ? planned : runSteps;
  const eta = status === 'running' && Number.isFinite(etaMs) && step < steps ? duration(etaMs) : '–';
  return (
    <div className="progress" data-testid="train-progress">
      <progress max={steps || 1} value={step} aria-label="training progress" />
      <dl className="stats">
        <div><dt>step</dt><dd data-testid="train-step">{step} / {steps}</dd></div>
        <div><dt>loss</dt><dd data-testid="train-loss">{step ? loss.toFixed(4) : '–'}</dd></div>
        <div><dt>val loss</dt><dd data-testid="train-val">{valLoss != null ? valLoss.toFixed(4) : '–'}</dd></div>
        <div><dt>tokens/s</dt><dd data-testid="train-tps">{step ? rate(tokensPerS) : '–'}</dd></div>
        <div><dt>comm share</dt><dd>{step ? `${(100 * commShare).toFixed(0)}%` : '–'}</dd></div>
        <div><dt>elapsed</dt><dd>{duration(elapsedMs)}</dd></div>
        <div><dt>ETA</dt><dd data-testid="train-eta">{eta}</dd></div>
      </dl>
    </div>
  );
}
