// Will the settings fit? The per-device memory budget of this browser and the engine's estimate for a
// config (src/engine/memory.ts, the same check the run driver makes before any device starts), so the
// form can show the estimate and refuse a config that is too big before Start.
// Legend: N = devices, V = vocabulary size; bytes.
import type { RunConfig } from '../engine/config';
import { estimateMemory, MemoryBudgetError, type MemoryEstimate } from '../engine/memory';

/** Per-device budget: half of the memory the browser reports (navigator.deviceMemory, GB, Chromium caps
 *  it at 8; 4 where unknown), split over N devices. */
export function memoryBudget(N: number, deviceMemoryGb: number | undefined): number {
  return ((deviceMemoryGb ?? 4) * 2 ** 30) / 2 / N;
}

export interface MemoryVerdict {
  estimate: MemoryEstimate;
  budget: number;
  fits: boolean;
  /** The driver's refusal text when it does not fit. */
  message: string | null;
}

/** The estimate of `cfg` with vocabulary size V against `budget` bytes per device. */
export function memoryVerdict(cfg: RunConfig, V: number, budget: number): MemoryVerdict {
  const estimate = estimateMemory(cfg, V);
  const fits = estimate.total <= budget;
  return { estimate, budget, fits, message: fits ? null : new MemoryBudgetError(estimate, budget).message };
}
