// Memory estimate for a run, per device, in bytes (every buffer is f32, 4 bytes per element), used to
// refuse a config BEFORE anything is allocated. Parameters P follow the nanoGPT layout (lm_head tied).
// Optimizer state is 8 bytes/param for AdamW (m, v) and 4 for SGD with momentum; ZeRO-1 divides it by N.
// Gradients are 4 bytes/param in fp32; fp16 precision stores them packed (2 bytes/param) plus an f32
// scratch of f16Room elements (model/grads.ts: the largest gradient piece that is not made in row blocks).
// Activations are what one micro-batch keeps for backward plus the backward's scratch: an estimate of
// the model's buffers, not a measurement.
// Legend: B = micro-batch, T = blockSize, C = nEmbd, L = nLayer, H = nHead, V = vocabulary, N = devices.

import type { RunConfig } from './config';
import { f16Room } from './model/grads';

const F32 = 4;

export interface MemoryEstimate {
  params: number;
  weights: number;
  grads: number;
  optimizer: number;
  ema: number;
  activations: number;
  total: number;
}

type Shape = Pick<RunConfig, 'nLayer' | 'nHead' | 'nEmbd' | 'blockSize'>;

/** Parameter count of the nanoGPT layout with a tied LM head. */
export function countParams(c: Shape, V: number): number {
  const C = c.nEmbd;
  const block = 2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (4 * C * C + 4 * C) + (4 * C * C + C);
  return V * C + c.blockSize * C + c.nLayer * block + 2 * C;
}

/** Activation elements of one micro-batch: per layer the residual, LayerNorm outputs and statistics,
 *  q|k|v, attention output and log-sum-exp, MLP hidden before and after GELU; then logits and their
 *  gradient; plus a layer's worth of backward scratch. */
export function activationElements(c: Shape, V: number, B: number): number {
  const BT = B * c.blockSize, C = c.nEmbd;
  const perLayer = BT * (C + C + 2 + 3 * C + C + c.nHead + C + C + 2 + 4 * C + 4 * C + C);
  const head = BT * (2 * C + 2) + 2 * BT * V + 3 * BT;
  const scratch = BT * (3 * C + 8 * C);
  return BT * C + c.nLayer * perLayer + head + scratch;
}

/** Per-device memory of a run with vocabulary size V. */
export function estimateMemory(c: RunConfig, V: number): MemoryEstimate {
  const P = countParams(c, V);
  const optSlots = c.optimizer === 'adamw' ? 2 : c.momentum > 0 ? 1 : 0;
  const shard = c.zero === 1 ? c.devices : 1;
  const room = f16Room({ vocabSize: V, blockSize: c.blockSize, nEmbd: c.nEmbd, nLayer: c.nLayer, nHead: c.nHead });
  const weights = P * F32, grads = c.precision === 'fp16' ? (Math.ceil(P / 2) + room) * F32 : P * F32;
  const optimizer = Math.ceil((optSlots * P) / shard) * F32;
  const ema = c.emaDecay > 0 ? P * F32 : 0;
  const activations = activationElements(c, V, c.microBatch) * F32;
  return { params: P, weights, grads, optimizer, ema, activations, total: weights + grads + optimizer + ema + activations };
}

/** Thrown when a config does not fit its memory budget. */
export class MemoryBudgetError extends Error {
  constructor(readonly estimate: MemoryEstimate, readonly budget: number) {
    super(`this model needs about ${fmt(estimate.total)} per device (weights ${fmt(estimate.weights)}, grads ${fmt(estimate.grads)}, ` +
      `optimizer ${fmt(estimate.optimizer)}, activations ${fmt(estimate.activations)}${estimate.ema ? `, EMA ${fmt(estimate.ema)}` : ''}) ` +
      `but the budget is ${fmt(budget)}: reduce nLayer, nEmbd, blockSize or microBatch (or use zero 1 with more devices)`);
    this.name = 'MemoryBudgetError';
  }
}

/** Throws MemoryBudgetError when the estimate exceeds `budget` bytes; returns the estimate otherwise. */
export function checkMemory(c: RunConfig, V: number, budget: number): MemoryEstimate {
  const e = estimateMemory(c, V);
  if (e.total > budget) throw new MemoryBudgetError(e, budget);
  return e;
}

/** Bytes as a short human string. */
export function fmt(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) {
    bytes /= 1024;
    i++;
  }
  return `${bytes < 10 && i > 0 ? bytes.toFixed(1) : Math.round(bytes)} ${units[i]}`;
}
