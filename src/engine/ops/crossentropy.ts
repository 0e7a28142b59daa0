// Fused softmax cross-entropy: per-row losses and the gradient of (sum of losses * gradScale).
// R = rows (B*T), V = vocabulary. logits, dlogits: [R, V]; targets[R] token ids as f32; losses[R].
// The softmax is computed in f64 from the row max, so large logits do not overflow.
import { needAll } from './check';

/** losses[r] = logsumexp(logits[r]) - logits[r][target]; dlogits = (softmax - onehot) * gradScale. */
export function crossEntropy(
  losses: Float32Array, dlogits: Float32Array, logits: Float32Array, targets: Float32Array, R: number, V: number, gradScale: number,
): void {
  needAll('crossentropy', { losses, dlogits, logits, targets, R, V, gradScale });
  for (let r = 0; r < R; r++) {
    const o = r * V;
    const y = targets[r];
    if (!(Number.isInteger(y) && y >= 0 && y < V)) throw new RangeError(`crossentropy: target ${y} at row ${r} is outside [0, ${V})`);
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[o + v] > max) max = logits[o + v];
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v] - max);
    const lse = max + Math.log(sum);
    losses[r] = lse - logits[o + y];
    for (let v = 0; v < V; v++) dlogits[o + v] = (Math.exp(logits[o + v] - lse) - (v === y ? 1 : 0)) * gradScale;
  }
}
