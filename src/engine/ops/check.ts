// Argument checks shared by the CPU ops: a kernel that would read or write past a buffer throws a
// specific error instead of silently computing on garbage (typed arrays return undefined out of range).
import { sizeList, type SizedArgs } from '../backend/sizes';
import type { KernelName } from '../backend/types';

/** Throw unless arr (an array, or a backend slice) holds at least n elements. */
function need(op: string, name: string, arr: { readonly length: number }, n: number): void {
  if (!(n >= 0) || !Number.isInteger(n)) throw new RangeError(`${op}: bad size ${n} for ${name}`);
  if (arr.length < n) throw new RangeError(`${op}: ${name} holds ${arr.length} elements, needs ${n}`);
}

/** need() for every array of a kernel's arguments, with the sizes of backend/sizes.ts. */
export function needAll<K extends KernelName>(kernel: K, args: SizedArgs<K>): void {
  for (const [name, arr, n] of sizeList(kernel, args)) if (arr) need(kernel, name, arr, n);
}
