// Progress of the run: step / steps with a bar, latest loss, tokens/s, elapsed and ETA.
import { useRun } from '../stores';
import { duration, rate } from './format';

/** Headline numbers of the current (or last) run. */
export function RunProgress() {
  const { step, steps, loss, valLoss, tokensPerS, elapsedMs, etaMs } = useRun((s) => s);
  return (
    <div className="progress" data-testid="train-progress">
      <progress max={steps || 1} value={step} />
      <dl className="stats">
        <div><dt>step</dt><dd data-testid="train-step">{step} / {steps}</dd></div>
        <div><dt>loss</dt><dd data-testid="train-loss">{step ? loss.toFixed(4) : '–'}</dd></div>
        <div><dt>val loss</dt><dd>{valLoss != null ? valLoss.toFixed(4) : '–'}</dd></div>
        <div><dt>tokens/s</dt><dd data-testid="train-tps">{step ? rate(tokensPerS) : '–'}</dd></div>
        <div><dt>elapsed</dt><dd>{duration(elapsedMs)}</dd></div>
        <div><dt>ETA</dt><dd data-testid="train-eta">{Number.isFinite(etaMs) && step < steps ? duration(etaMs) : '–'}</dd></div>
      </dl>
    </div>
  );
}
