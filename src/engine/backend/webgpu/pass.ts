// A kernel call becomes one or more passes: a WGSL entry point, its storage bindings (element slices),
// uniform words and a workgroup grid. The uniform block always starts with one element offset per binding
// slot (0 for unused slots), in binding order, then the kernel's own words: this is what every
// `struct P` in shaders/*.wgsl declares first.
import type { Slice } from '../types';
import type { ShaderName } from './shaders';
import type { Word } from './uniforms';

export interface Bind { slice: Slice; write: boolean }

export interface Pass {
  shader: ShaderName;
  entry: string;
  /** Pipeline-overridable constants (workgroup sizes). */
  constants?: Record<string, number>;
  /** Invocations per workgroup [x, y] and workgroup memory in bytes, checked against the device limits. */
  wg: [number, number];
  wgMem?: number;
  /** Binding i of group 0, or null when the entry point does not use slot i. */
  binds: (Bind | null)[];
  params: Word[];
  /** A linear workgroup count (spread over x and y when above the per-dimension limit) or an explicit grid. */
  groups: number | [number, number];
}

/** What a kernel plan may ask the backend for. */
export interface PlanContext {
  /** A backend-owned scratch slice of at least `length` elements, stable per name (grown, never shrunk). */
  scratch(name: string, length: number): Slice;
  /** A 4-element slice for bindings an entry point declares but this call does not use. */
  dummy: Slice;
  matmul: 'naive' | 'rb' | 'v4' | 'tiled';
  attention: 'row' | 'tiled';
  /** Use the vec4 attention kernels where shapes allow (attention_v4.wgsl). */
  vec4: boolean;
  nativeF16: boolean;
}

export const R = (slice: Slice): Bind => ({ slice, write: false });
export const W = (slice: Slice): Bind => ({ slice, write: true });
export const F = (f: number): Word => ({ f });
export const cdiv = (a: number, b: number): number => Math.ceil(a / b);
