// The size of a step and of the model, from the settings: the global batch as devices x micro-batch x
// accumulation, and the per-device memory estimate against this browser's budget (the check the run
// driver makes). A config over the budget is refused here, before Start, with the estimate.
import { fmt } from '../../engine/memory';
import { memoryBudget, memoryVerdict } from '../../state/budget';
import { batchSummary } from '../../state/trainForm';
import { useEnv, useForm } from '../stores';

/** The browser's reported memory (GB), undefined where it does not say. */
export const deviceMemoryGb = (): number | undefined => (navigator as Navigator & { deviceMemory?: number }).deviceMemory;

/** The memory verdict for the form's settings, or null while unknown (invalid form or vocabulary not loaded). */
export function useMemoryVerdict() {
  const cfg = useForm((s) => s.cfg);
  const V = useEnv((s) => (cfg ? s.vocab[cfg.data] : undefined));
  return cfg && V ? memoryVerdict(cfg, V, memoryBudget(cfg.devices, deviceMemoryGb())) : null;
}

export function RunSize() {
  const form = useForm((s) => s.form);
  const b = batchSummary(form);
  const verdict = useMemoryVerdict();
  return (
    <div className="run-size">
      <p data-testid="global-batch">
        Global batch:{' '}
        {b ? <><b>{b.N}</b> {b.N === 1 ? 'device' : 'devices'} × <b>{b.B}</b> micro-batch × <b>{b.K}</b> accum = <b>{b.G}</b> sequences ({b.tokens.toLocaleString('en-US')} tokens) per step</> : '–'}
      </p>
      <p className="explain">
        Each device runs <i>accum</i> micro-batches of <i>micro-batch</i> sequences before the gradients are
        exchanged once. The same global batch split differently trains on the same samples.
      </p>
      {verdict && (verdict.fits
        ? <p data-testid="memory-estimate">Memory per device: about {fmt(verdict.estimate.total)} of the {fmt(verdict.budget)} budget ({verdict.estimate.params.toLocaleString('en-US')} parameters).</p>
        : <p className="error" role="alert" data-testid="memory-estimate">Too big for this browser, so Start is off: {verdict.message}.</p>)}
    </div>
  );
}
