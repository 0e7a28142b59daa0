// Faults, recoveries and checkpoints on the step charts: a uPlot plugin that reads the run store when the
// chart draws. A fault is a red dashed line at the step that failed; its recovery's lost work (the
// completed steps trained again after a restart from an older checkpoint) is a red band from the step
// training resumed after up to the failed step; checkpoints are small grey ticks on the x axis. Pointing
// at a marker's step shows its text (the fault, the policy, work lost, time to recover) in a tooltip.
// Legend: x in steps; px = CSS pixels (canvas pixels = px x devicePixelRatio).
import type uPlot from 'uplot';
import { markerText } from '../../state/runEvents';
import { runStore } from '../../state/runStore';

const FAULT = '#c62828';

/** Steps with a saved checkpoint in the current run. */
const checkpointSteps = () => runStore.getState().notes.filter((n) => n.kind === 'checkpoint' && !n.error).map((n) => n.step);

/** The text for the step under the cursor: faults at that step, or a checkpoint saved there. */
export function markerAt(step: number): string | null {
  const s = runStore.getState();
  const faults = s.faults.filter((f) => f.step === step);
  if (faults.length) return faults.map(markerText).join(' ');
  return checkpointSteps().includes(step) ? `checkpoint saved at step ${step}` : null;
}

export function markersPlugin(): uPlot.Plugin {
  let tip: HTMLDivElement | null = null;
  return {
    hooks: {
      init: (u) => {
        tip = document.createElement('div');
        tip.className = 'marker-tip';
        tip.setAttribute('role', 'tooltip');
        tip.hidden = true;
        u.over.appendChild(tip);
      },
      draw: (u) => {
        const { ctx, bbox } = u;
        const x = (step: number) => u.valToPos(step, 'x', true);
        const inside = (px: number) => px >= bbox.left - 1 && px <= bbox.left + bbox.width + 1;
        const dpr = bbox.width / Math.max(1, u.over.clientWidth || bbox.width);
        ctx.save();
        for (const f of runStore.getState().faults) {
          const at = x(f.step);
          if (f.recovery && f.recovery.step < f.step - 1) {
            // the completed steps after the checkpoint that were lost and trained again
            const from = Math.max(bbox.left, x(f.recovery.step)), to = Math.min(bbox.left + bbox.width, at);
            ctx.fillStyle = `${FAULT}1f`;
            if (to > from) ctx.fillRect(from, bbox.top, to - from, bbox.height);
          }
          if (!inside(at)) continue;
          ctx.strokeStyle = FAULT;
          ctx.lineWidth = 1.5 * dpr;
          ctx.setLineDash([4 * dpr, 3 * dpr]);
          ctx.beginPath();
          ctx.moveTo(at, bbox.top);
          ctx.lineTo(at, bbox.top + bbox.height);
          ctx.stroke();
        }
        ctx.setLineDash([]);
        ctx.fillStyle = '#8792a0';
        for (const step of checkpointSteps()) {
          const at = x(step);
          if (!inside(at)) continue;
          const b = bbox.top + bbox.height, w = 4 * dpr;
          ctx.beginPath();
          ctx.moveTo(at, b - 2 * w);
          ctx.lineTo(at - w, b);
          ctx.lineTo(at + w, b);
          ctx.fill();
        }
        ctx.restore();
      },
      setCursor: (u) => {
        if (!tip) return;
        const i = u.cursor.idx;
        const step = i == null ? null : (u.data[0][i] as number | undefined);
        const text = step == null ? null : markerAt(step);
        tip.hidden = !text;
        if (!text) return;
        tip.textContent = text;
        const left = u.cursor.left ?? 0;
        // keep the tip inside the plot: to the left of the cursor on the right half
        const w = u.over.clientWidth;
        tip.style.left = left > w / 2 ? '' : `${left + 8}px`;
        tip.style.right = left > w / 2 ? `${w - left + 8}px` : '';
      },
    },
  };
}
