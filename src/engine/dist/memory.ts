// Per-device memory of model state under ZeRO-1, measured from what a device really allocated, next to
// the ZeRO paper's accounting. This engine keeps weights and optimizer state in f32, gradients in f32 or
// (precision fp16) packed fp16 plus a small f32 scratch (model/grads.ts):
//   plain DP: 4 (weights) + 4 (grads) + 8 (AdamW m, v) = 16 bytes/param on every device;
//   ZeRO-1:   4 + 4 + 8/N bytes/param (the optimizer state is sharded); fp16 gradients: 2 + 4 S / P.
// Mixed precision as in the ZeRO paper: 2 (fp16 weights) + 2 (fp16 grads) + 12 (fp32 master weights, m,
// v) = 16, and with ZeRO-1 2 + 2 + 12/N. Activations are not model state and are left out here.
// Legend: P = parameters, N = devices, K = optimizer state slots (AdamW 2, SGD+momentum 1, SGD 0).

export interface ModelStateMemory {
  params: number;
  /** Bytes this device holds for weights, grads and optimizer state. */
  weights: number;
  grads: number;
  optimizer: number;
  bytesPerParam: number;
  formula: string;
  /** The ZeRO paper's mixed-precision figure for the same N and stage. */
  mixedPrecisionBytesPerParam: number;
  mixedPrecisionFormula: string;
}

/** Model-state memory of one device owning `optimizerElems` optimizer-state values, with `grads` bytes
 *  of gradient storage (default f32: 4 per parameter). */
export function modelStateMemory(P: number, N: number, zero: 0 | 1, optimizerElems: number, slots: number, grads = 4 * P): ModelStateMemory {
  const shard = zero === 1 ? N : 1;
  const optimizer = optimizerElems * 4;
  const g = grads === 4 * P ? '4' : (grads / P).toFixed(2);
  const what = grads === 4 * P ? 'f32 weights, grads' : 'f32 weights, fp16 grads with an f32 scratch';
  return {
    params: P,
    weights: P * 4,
    grads,
    optimizer,
    bytesPerParam: (P * 4 + grads + optimizer) / P,
    formula: `4 + ${g} + ${4 * slots}${shard > 1 ? `/${shard}` : ''} (${what}, ${slots} optimizer slot${slots === 1 ? '' : 's'})`,
    mixedPrecisionBytesPerParam: 2 + 2 + 12 / shard,
    mixedPrecisionFormula: `2 + 2 + 12${shard > 1 ? `/${shard}` : ''} (fp16 weights, fp16 grads, fp32 master + m + v)`,
  };
}
