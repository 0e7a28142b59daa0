// Per-device memory of model state under ZeRO-1, measured from what a device really allocated, next to
// the ZeRO paper's accounting. This engine keeps weights, gradients and optimizer state in f32:
//   plain DP: 4 (weights) + 4 (grads) + 8 (AdamW m, v) = 16 bytes/param on every device;
//   ZeRO-1:   4 + 4 + 8/N bytes/param (the optimizer state is sharded).
// Mixed precision as in the ZeRO paper: 2 (fp16 weights) + 2 (fp16 grads) + 12 (fp32 master weights, m,
// v) = 16, and with ZeRO-1 2 + 2 + 12/N. Activations are not model state and are left out here.
// Legend: P = parameters, N = devices, K = optimizer state slots (AdamW 2, SGD+momentum 1, SGD 0).

export interface ModelStateMemory {
  params: number;
  /** Bytes this device holds for weights, grads and optimizer state (f32 each). */
  weights: number;
  grads: number;
  optimizer: number;
  bytesPerParam: number;
  formula: string;
  /** The ZeRO paper's mixed-precision figure for the same N and stage. */
  mixedPrecisionBytesPerParam: number;
  mixedPrecisionFormula: string;
}

/** Model-state memory of one device owning `optimizerElems` optimizer-state values. */
export function modelStateMemory(P: number, N: number, zero: 0 | 1, optimizerElems: number, slots: number): ModelStateMemory {
  const shard = zero === 1 ? N : 1;
  const optimizer = optimizerElems * 4;
  return {
    params: P,
    weights: P * 4,
    grads: P * 4,
    optimizer,
    bytesPerParam: (P * 8 + optimizer) / P,
    formula: `4 + 4 + ${4 * slots}${shard > 1 ? `/${shard}` : ''} (f32 weights, grads, ${slots} optimizer slot${slots === 1 ? '' : 's'})`,
    mixedPrecisionBytesPerParam: 2 + 2 + 12 / shard,
    mixedPrecisionFormula: `2 + 2 + 12${shard > 1 ? `/${shard}` : ''} (fp16 weights, fp16 grads, fp32 master + m + v)`,
  };
}
