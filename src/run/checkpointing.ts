// A run's checkpoints: the group's state gathered into a TrainingState (device 0's weights, EMA and loss
// scale; every range of optimizer state), saved to a CheckpointStore; restoring one onto a group; and
// the check that a checkpoint can resume these settings on this data. A checkpoint that cannot be saved
// (quota, a non-finite weight) is reported and the run goes on: nothing stored before is lost.
// Legend: P = parameters, G = global batch (devices x micro-batch x accum), [lo, hi) = optimizer range.
import { CheckpointError, collectOptimizer, replicaStateFor, toParts, type CheckpointStore, type TrainingState } from '../engine/checkpoint';
import { ConfigError, globalBatch, type RunConfig } from '../engine/config';
import { DataError } from '../engine/data/dataset';
import type { CheckpointEvent } from './events';
import type { DeviceGroup } from './group';
import type { HistoryPoint } from './history';

/** What a run knows beside its devices' state. */
export interface Progress { step: number; tokens: number; history: HistoryPoint[]; loss: number | null }

/** The group's state at `p.step` as one TrainingState (what a checkpoint holds and an export reads). */
export async function gatherState(group: DeviceGroup, cfg: RunConfig, ident: { vocab: string; dataHash: string }, p: Omit<Progress, 'loss'>): Promise<TrainingState> {
  const g = await group.exportState();
  return {
    config: cfg, vocab: ident.vocab, dataHash: ident.dataHash, step: p.step, tokens: p.tokens,
    params: g.params, ema: g.ema, optimizer: collectOptimizer(g.optimizer), scaler: g.scaler, history: p.history.slice(), savedAt: Date.now(),
  };
}

/** Save the group's state at `p.step` into `store`, keeping the newest cfg.keep. */
export async function saveCheckpoint(store: CheckpointStore, group: DeviceGroup, cfg: RunConfig, ident: { vocab: string; dataHash: string }, p: Progress): Promise<CheckpointEvent> {
  const t0 = performance.now();
  const state = await gatherState(group, cfg, ident, p);
  try {
    const s = await store.save(await toParts(state, { loss: p.loss }), { keep: cfg.keep });
    return { type: 'checkpoint', step: p.step, id: s.id, bytes: s.bytes, ms: performance.now() - t0, loss: p.loss };
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    return { type: 'checkpoint', step: p.step, id: null, bytes: 0, ms: performance.now() - t0, loss: p.loss, error: `checkpoint at step ${p.step} not saved (${e.code}): ${e.message}` };
  }
}

/** Every device takes the checkpoint's weights, EMA, loss scale, its range of optimizer state and step. */
export function restore(group: DeviceGroup, s: TrainingState): Promise<void> {
  return group.importState(s.step, (lo, hi) => replicaStateFor(s, lo, hi));
}

/** Settings that must match for a checkpoint to resume a run exactly (the rest may change: steps,
 *  backend, the split of the same global batch, evaluation and checkpoint cadence, links). */
const SAME = ['nLayer', 'nHead', 'nEmbd', 'blockSize', 'optimizer', 'seed', 'precision'] as const;

/** Throws ConfigError when `s` cannot resume `cfg`, DataError when it was trained on other data. */
export function checkResume(s: TrainingState, cfg: RunConfig, vocab: string, dataHash: string): void {
  const issues = SAME.filter((k) => s.config[k] !== cfg[k]).map((k) => `resume: the checkpoint has ${k} ${JSON.stringify(s.config[k])}, the settings say ${JSON.stringify(cfg[k])}`);
  if (globalBatch(s.config) !== globalBatch(cfg)) issues.push(`resume: the checkpoint's global batch is ${globalBatch(s.config)} sequences, the settings make ${globalBatch(cfg)} (devices x micro-batch x accum)`);
  if (s.step > cfg.steps) issues.push(`resume: the checkpoint is at step ${s.step}, past the ${cfg.steps} steps asked for`);
  if (issues.length) throw new ConfigError(issues);
  if (s.dataHash !== dataHash || s.vocab !== vocab) throw new DataError(`resume: the checkpoint was trained on other data (${s.vocab !== vocab ? 'another vocabulary' : 'the tokens differ'}); use the data it was trained on`);
}
