// Exponential moving average of the weights for evaluation: ema = d * ema + (1 - d) * w after every
// applied step, starting from the initial weights. Costs one extra parameter vector (4 bytes/param).

import type { Backend, Buffer } from '../backend/types';
import { whole } from '../backend/types';

export class WeightEma {
  readonly buf: Buffer;

  constructor(private readonly backend: Backend, params: Buffer, readonly decay: number) {
    this.buf = backend.alloc(params.length, 'ema');
    this.reset(params);
  }

  /** ema = params. */
  reset(params: Buffer): void {
    const n = params.length;
    this.backend.dispatch('fill', { out: whole(this.buf), value: 0, n });
    this.backend.dispatch('add_inplace', { acc: whole(this.buf), x: whole(params), n });
  }

  /** ema = decay * ema + (1 - decay) * params. */
  update(params: Buffer): void {
    this.backend.dispatch('ema', { ema: whole(this.buf), p: whole(params), n: params.length, decay: this.decay });
  }

  read(): Promise<Float32Array> {
    return this.backend.read(this.buf);
  }

  write(data: Float32Array): void {
    this.backend.write(this.buf, data);
  }

  destroy(): void {
    this.backend.free(this.buf);
  }
}
