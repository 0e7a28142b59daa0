// Optimizer update kernels: AdamW, SGD (torch.optim.SGD semantics) and a weight EMA.
// n = element count; p = parameters, g = gradients, m/v = Adam moments, buf = momentum buffer.
// All state is f32; each update is computed in f64 and rounded once on store.
import { needAll } from './check';

/** AdamW with decoupled weight decay: p -= lr * (wd p + (m / bc1) / (sqrt(v / bc2) + eps)). */
export function adamw(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number,
  lr: number, beta1: number, beta2: number, eps: number, wd: number, bc1: number, bc2: number,
): void {
  needAll('adamw', { p, g, m, v, n, lr, beta1, beta2, eps, wd, bc1, bc2 });
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + (1 - beta1) * gi;
    const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    // m and v are read back as stored (f32), so the update is the same as a backend that keeps them in f32
    const mh = m[i] / bc1;
    const vh = v[i] / bc2;
    p[i] = p[i] - lr * (wd * p[i] + mh / (Math.sqrt(vh) + eps));
  }
}

/** SGD: g' = g + wd p; buf = momentum buf + g' (buf = g' when first); p -= lr * (momentum > 0 ? buf : g'). */
export function sgd(p: Float32Array, g: Float32Array, buf: Float32Array, n: number, lr: number, momentum: number, wd: number, first: boolean): void {
  needAll('sgd', { p, g, buf, n, lr, momentum, wd, first });
  for (let i = 0; i < n; i++) {
    const gi = g[i] + wd * p[i];
    if (momentum > 0) {
      buf[i] = first ? gi : momentum * buf[i] + gi;
      p[i] = p[i] - lr * buf[i];
    } else {
      p[i] = p[i] - lr * gi;
    }
  }
}

/** ema = decay * ema + (1 - decay) * p. */
export function ema(e: Float32Array, p: Float32Array, n: number, decay: number): void {
  needAll('ema', { ema: e, p, n, decay });
  for (let i = 0; i < n; i++) e[i] = decay * e[i] + (1 - decay) * p[i];
}
