// What happens after a device fails, as a table of policies (TorchElastic's two):
//   restart: end every device and start N fresh ones from the newest checkpoint that verifies (from the
//            initial weights when there is none); lost work = the steps since that checkpoint.
//   elastic: the survivors go on without the dead device: the ring re-forms with N-1 ranks and the dead
//            device's micro-batches are shared out (unevenly when N-1 does not divide them), so every step
//            still trains the same global batch with the same gradient scale 1/(G*T). Without ZeRO-1 the
//            survivors keep their weights and optimizer state and only the step in flight is redone; with
//            ZeRO-1 the dead device's optimizer shard is gone, so the survivors restore the checkpoint.
// Legend: N = devices in the group, rank = position in it, id = which device, K = accum.
import { loadNewestValid, type CheckpointStore } from '../engine/checkpoint';
import type { RunConfig } from '../engine/config';
import { ownWork, type DeviceData, type WorkItem } from '../engine/dist/device';
import type { RunFailure } from '../engine/errors';
import { restore } from './checkpointing';
import type { DeviceGroup, GroupLayout } from './group';
import { readHistory, type HistoryPoint } from './history';

/** The settings' own layout: device r trains its own K micro-batches. */
export const initialLayout = (cfg: RunConfig): GroupLayout => ({
  ids: Array.from({ length: cfg.devices }, (_, r) => r),
  work: Array.from({ length: cfg.devices }, (_, r) => ownWork(r, cfg.accum)),
});

/** The layout without rank `rank`: its micro-batches go round-robin to the others. */
export function without(l: GroupLayout, rank: number): GroupLayout {
  const ids = l.ids.filter((_, r) => r !== rank);
  const work: WorkItem[][] = l.work.filter((_, r) => r !== rank).map((w) => [...w]);
  l.work[rank].forEach((item, i) => work[i % work.length].push(item));
  return { ids, work };
}

export interface RecoveryInput {
  cfg: RunConfig;
  data: DeviceData;
  group: DeviceGroup;
  layout: GroupLayout;
  failure: RunFailure;
  /** Optimizer steps done before the failed one. */
  step: number;
  store: CheckpointStore | null;
  createGroup: (cfg: RunConfig, data: DeviceData, layout: GroupLayout) => Promise<DeviceGroup>;
}

export interface Recovery {
  group: DeviceGroup;
  layout: GroupLayout;
  /** Steps done after recovery, with the tokens and history that go with them when they changed. */
  step: number;
  restored: { tokens: number; history: HistoryPoint[] } | null;
  note: string;
}

/** Start `layout` again from the newest checkpoint that verifies (or from the initial weights). */
async function fromCheckpoint(x: RecoveryInput, layout: GroupLayout, why: string): Promise<Recovery> {
  await x.group.close();
  const saved = x.store ? await loadNewestValid(x.store) : null;
  const group = await x.createGroup(x.cfg, x.data, layout);
  const skipped = saved?.rejected.length ? `; skipped ${saved.rejected.length} newer checkpoint(s) that did not verify (${saved.rejected[0].error.code})` : '';
  if (!saved) return { group, layout, step: 0, restored: { tokens: 0, history: [] }, note: `${why} from the initial weights (no checkpoint yet)${skipped}` };
  await restore(group, saved.state);
  const restored = { tokens: saved.state.tokens, history: readHistory(saved.state.history) };
  return { group, layout, step: saved.state.step, restored, note: `${why} from the checkpoint at step ${saved.state.step}${skipped}` };
}

export const policies: Record<RunConfig['recovery'], (x: RecoveryInput) => Promise<Recovery>> = {
  restart: (x) => fromCheckpoint(x, x.layout, `restarted all ${x.layout.ids.length} devices`),

  async elastic(x) {
    const rank = x.failure.rank ?? 0;
    const dead = x.layout.ids[rank];
    if (x.layout.ids.length < 2) return fromCheckpoint(x, x.layout, 'no device left to go on with: restarted');
    const next = without(x.layout, rank);
    const N = next.ids.length;
    if (x.cfg.zero === 1) return fromCheckpoint(x, next, `ZeRO-1: device ${dead} held a shard of the optimizer state, so ${N} devices restored`);
    if (!x.group.shrink) return fromCheckpoint(x, next, `this group cannot re-form in place, so ${N} devices restarted`);
    const steps = await x.group.shrink(rank, next.work);
    if (steps.some((s) => s !== x.step)) return fromCheckpoint(x, next, `the survivors had not all finished the same step, so ${N} devices restored`);
    return { group: x.group, layout: next, step: x.step, restored: null, note: `the ring re-formed without device ${dead}: ${N === 1 ? '1 device goes' : `${N} devices go`} on with ${N === 1 ? 'its' : 'their'} weights and optimizer state; the step in flight is trained again` };
  },
};
