// The part of each step's metrics a checkpoint keeps, so a restored run can redraw its charts: a few
// numbers per step (per-device arrays and timelines stay in metrics.jsonl and the live views).
import type { StepMetrics } from './metrics';

export type HistoryPoint = Pick<StepMetrics, 'step' | 'loss' | 'lr' | 'lossScale' | 'skipped' | 'tokens' | 'tokensPerS' | 'commShare' | 'valLoss' | 'valLossEma'> & {
  /** null on a skipped step (JSON has no NaN). */
  gradNorm: number | null;
};

/** The history record of one step. */
export function historyPoint(m: StepMetrics): HistoryPoint {
  const p: HistoryPoint = {
    step: m.step, loss: m.loss, lr: m.lr, gradNorm: Number.isFinite(m.gradNorm) ? m.gradNorm : null, lossScale: m.lossScale,
    skipped: m.skipped, tokens: m.tokens, tokensPerS: m.tokensPerS, commShare: m.commShare,
  };
  if (m.valLoss !== undefined) p.valLoss = m.valLoss;
  if (m.valLossEma !== undefined) p.valLossEma = m.valLossEma;
  return p;
}

/** A checkpoint's history as records (anything else in it is dropped: it is data from a file). */
export function readHistory(raw: unknown[]): HistoryPoint[] {
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  return raw.filter((r): r is HistoryPoint => typeof r === 'object' && r !== null && num((r as HistoryPoint).step) && num((r as HistoryPoint).loss));
}
