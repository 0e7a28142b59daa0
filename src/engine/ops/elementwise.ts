// Elementwise kernels on flat Float32Arrays (n = element count).

function check(op: string, n: number, ...arrs: Float32Array[]): void {
  if (!(n >= 0 && Number.isInteger(n))) throw new RangeError(`${op}: bad n = ${n}`);
  for (const a of arrs) if (a.length < n) throw new RangeError(`${op}: a buffer holds ${a.length} elements, needs ${n}`);
}

/** out = a + b over the first n elements. */
export function add(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  check('add', n, out, a, b);
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** acc += x over the first n elements; the CPU twin of shaders/elementwise.wgsl `add_inplace`. */
export function addInPlaceN(acc: Float32Array, x: Float32Array, n: number): void {
  check('add_inplace', n, acc, x);
  for (let i = 0; i < n; i++) acc[i] += x[i];
}

/** x *= s over the first n elements. */
export function scale(x: Float32Array, s: number, n: number): void {
  check('scale', n, x);
  for (let i = 0; i < n; i++) x[i] *= s;
}

/** out = value over the first n elements. */
export function fill(out: Float32Array, value: number, n: number): void {
  check('fill', n, out);
  out.fill(value, 0, n);
}
