// Elementwise kernels on flat Float32Arrays (n = element count).
import { needAll } from './check';

/** out = a + b over the first n elements. */
export function add(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  needAll('add', { out, a, b, n });
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** acc += x over the first n elements; the CPU twin of shaders/elementwise.wgsl `add_inplace`. */
export function addInPlaceN(acc: Float32Array, x: Float32Array, n: number): void {
  needAll('add_inplace', { acc, x, n });
  for (let i = 0; i < n; i++) acc[i] += x[i];
}

/** x *= s over the first n elements. */
export function scale(x: Float32Array, s: number, n: number): void {
  needAll('scale', { x, s, n });
  for (let i = 0; i < n; i++) x[i] *= s;
}

/** out = value over the first n elements. */
export function fill(out: Float32Array, value: number, n: number): void {
  needAll('fill', { out, value, n });
  out.fill(value, 0, n);
}
