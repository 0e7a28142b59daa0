// Elementwise helpers on flat Float32Arrays (n = element count).

/** acc[i] += x[i] for every i; the CPU twin of shaders/add.wgsl `add_inplace`. */
export function addInPlace(acc: Float32Array, x: Float32Array): void {
  if (acc.length !== x.length) throw new Error(`addInPlace: length mismatch ${acc.length} vs ${x.length}`);
  for (let i = 0; i < acc.length; i++) acc[i] += x[i];
}
