// Token + position embedding, forward and backward side by side.
// B = batch, T = time, C = channels, V = vocabulary. ids[B*T] are token ids stored as f32.
// wte[V,C], wpe[>=T,C]; out, dout: [B*T, C].
import { needAll } from './check';

function tokenAt(op: string, ids: Float32Array, i: number, V: number): number {
  const id = ids[i];
  if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new RangeError(`${op}: token id ${id} at position ${i} is outside [0, ${V})`);
  return id;
}

/** out[b,t] = wte[ids[b,t]] + wpe[t]. V is taken from wte's length. */
export function embeddingForward(out: Float32Array, ids: Float32Array, wte: Float32Array, wpe: Float32Array, B: number, T: number, C: number): void {
  needAll('embedding_fwd', { out, ids, wte, wpe, B, T, C });
  const V = Math.floor(wte.length / C);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      const wo = tokenAt('embedding_fwd', ids, i, V) * C;
      const po = t * C;
      const oo = i * C;
      for (let c = 0; c < C; c++) out[oo + c] = wte[wo + c] + wpe[po + c];
    }
  }
}

/** dwte[ids[b,t]] += dout[b,t]; dwpe[t] += sum over b of dout[b,t]. */
export function embeddingBackward(dwte: Float32Array, dwpe: Float32Array, dout: Float32Array, ids: Float32Array, B: number, T: number, C: number, V: number): void {
  needAll('embedding_bwd', { dwte, dwpe, dout, ids, B, T, C, V });
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      const wo = tokenAt('embedding_bwd', ids, i, V) * C;
      const po = t * C;
      const oo = i * C;
      for (let c = 0; c < C; c++) {
        dwte[wo + c] += dout[oo + c];
        dwpe[po + c] += dout[oo + c];
      }
    }
  }
}
