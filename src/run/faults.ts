// Fault injection while a run goes on: the page's kill button and `--kill-device RANK@STEP[:allreduce]`
// land here, and the driver takes what is due before each step. A device is named by its id (the
// topology's `device N`), which it keeps when elastic recovery renumbers the survivors.

export interface KillOrder {
  /** The device to kill (its id). */
  id: number;
  /** 'step': before the step starts; 'allreduce': once the step's first bucket is on the wire. */
  phase: 'step' | 'allreduce';
  /** The step it is for (null: the next one). */
  step: number | null;
}

/** Orders waiting for their step. Each fires once: a step redone after recovery does not kill again. */
export class FaultInbox {
  private orders: KillOrder[] = [];

  /** Kill device `id` at the next step (or at `step`). */
  kill(id: number, phase: KillOrder['phase'] = 'step', step: number | null = null): void {
    this.orders.push({ id, phase, step });
  }

  /** The order due before step `step` (1-based), removed from the inbox; null when none. */
  take(step: number): KillOrder | null {
    const i = this.orders.findIndex((o) => o.step === null || o.step === step);
    return i < 0 ? null : this.orders.splice(i, 1)[0];
  }
}
