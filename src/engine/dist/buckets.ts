// Gradient buckets (PyTorch DDP): parameters grouped in REVERSE order (the order backward finishes them)
// into contiguous ranges of the flat gradient vector of at most `capBytes` each (a bigger parameter gets
// a bucket of its own). A bucket is ready when all its parameters' gradients are; it is then reduced as
// one message stream while backward continues. Every device builds the same plan, so buckets become
// ready, and are reduced, in the same order everywhere.
// Legend: P = parameters (flat f32), [lo, hi) = element range, specIndex = paramSpecs order.

export interface Bucket {
  id: number;
  lo: number;
  hi: number;
  /** Parameters (paramSpecs indices) in the bucket. */
  specs: number[];
}

export interface BucketPlan {
  buckets: Bucket[];
  /** specIndex -> bucket id. */
  bucketOf: number[];
}

/** Plan buckets over parameters given as (offset, size) in paramSpecs order. */
export function planBuckets(specs: { offset: number; size: number }[], capBytes: number): BucketPlan {
  if (!(capBytes > 0)) throw new RangeError(`bucket cap must be positive, got ${capBytes}`);
  const buckets: Bucket[] = [];
  const bucketOf = new Array<number>(specs.length);
  let cur: Bucket | null = null;
  for (let i = specs.length - 1; i >= 0; i--) {
    const { offset, size } = specs[i];
    if (cur && cur.lo !== offset + size) throw new Error(`parameter ${i} is not contiguous with parameter ${i + 1}`);
    if (!cur || (cur.hi - offset) * 4 > capBytes) {
      cur = { id: buckets.length, lo: offset, hi: offset + size, specs: [] };
      buckets.push(cur);
    }
    cur.lo = offset;
    cur.specs.push(i);
    bucketOf[i] = cur.id;
  }
  return { buckets, bucketOf };
}
