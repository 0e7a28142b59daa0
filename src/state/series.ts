// Append-only chart series: one growable Float64Array per dense column (doubling, so n steps cost
// O(n) in total, never a copy per step) and a plain array with nulls for sparse columns (a validation
// loss every few steps: uPlot draws null as "no point here"). col() returns zero-copy views that a chart
// hands to uPlot as they are. `version` counts appends, for subscribers that redraw.
// Legend: n = rows (steps) appended.

export class Series<D extends string, S extends string = never> {
  length = 0;
  version = 0;
  private dense: Record<D, Float64Array>;
  private readonly sparse: Record<S, (number | null)[]>;

  constructor(private readonly denseNames: readonly D[], private readonly sparseNames: readonly S[] = [], private capacity = 256) {
    this.dense = Object.fromEntries(denseNames.map((k) => [k, new Float64Array(capacity)])) as Record<D, Float64Array>;
    this.sparse = Object.fromEntries(sparseNames.map((k) => [k, []])) as unknown as Record<S, (number | null)[]>;
  }

  /** Append one row; sparse columns missing from `row` get null. */
  push(row: Record<D, number> & Partial<Record<S, number | null>>): void {
    if (this.length === this.capacity) this.grow();
    for (const k of this.denseNames) this.dense[k][this.length] = row[k];
    for (const k of this.sparseNames) this.sparse[k].push(row[k] ?? null);
    this.length++;
    this.version++;
  }

  /** Whether a dense column of this name exists. */
  has(name: string): name is D {
    return (this.denseNames as readonly string[]).includes(name);
  }

  /** The first `length` values of a dense column (a view: valid until the next push that grows). */
  col(name: D): Float64Array {
    return this.dense[name].subarray(0, this.length);
  }

  /** A sparse column (the live array: do not mutate). */
  sparseCol(name: S): readonly (number | null)[] {
    return this.sparse[name];
  }

  /** Keep the first `n` rows (a run restarted from a checkpoint trains the later steps again). */
  truncate(n: number): void {
    if (n >= this.length) return;
    this.length = Math.max(0, n);
    for (const k of this.sparseNames) this.sparse[k].length = this.length;
    this.version++;
  }

  private grow(): void {
    this.capacity *= 2;
    for (const k of this.denseNames) {
      const next = new Float64Array(this.capacity);
      next.set(this.dense[k]);
      this.dense[k] = next;
    }
  }
}
