// Dynamic loss scaling with torch.cuda.amp.GradScaler semantics: the loss (so every gradient) is
// multiplied by `scale`; gradients are unscaled once per step before clipping; a step whose gradients
// hold inf/NaN is skipped (weights and optimizer state untouched) and the scale is multiplied by
// backoff; after growthInterval consecutive clean steps it is multiplied by growth.
// Disabled (fp32) it is the identity: scale 1, never skips.

export interface ScalerOptions {
  enabled: boolean;
  initScale: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
}

export interface ScalerState { scale: number; growthTracker: number }

export const defaultScaler: ScalerOptions = { enabled: true, initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000 };

export class LossScaler {
  readonly opts: ScalerOptions;
  scale: number;
  /** Consecutive clean steps since the last change of scale. */
  growthTracker = 0;

  constructor(opts: Partial<ScalerOptions> = {}) {
    this.opts = { ...defaultScaler, ...opts };
    this.scale = this.opts.enabled ? this.opts.initScale : 1;
  }

  /** Record a step's outcome; returns true when the step must be skipped. */
  update(foundInf: boolean): boolean {
    if (!this.opts.enabled) return false;
    if (foundInf) {
      this.scale *= this.opts.backoffFactor;
      this.growthTracker = 0;
      return true;
    }
    if (++this.growthTracker === this.opts.growthInterval) {
      this.scale *= this.opts.growthFactor;
      this.growthTracker = 0;
    }
    return false;
  }

  exportState(): ScalerState {
    return { scale: this.scale, growthTracker: this.growthTracker };
  }

  importState(s: ScalerState): void {
    this.scale = s.scale;
    this.growthTracker = s.growthTracker;
  }
}

/** Below this the fp16 loss scale has backed off ~40 times in a row: the model is producing NaN/inf. */
export const MIN_SCALE = 2 ** -24;
