// The metered backend counts bytes by what each buffer holds (its label's first word), keeps per-kind
// peaks, forgets freed buffers, and counts bytes read back; results are the inner backend's.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/engine/backend/cpu';
import { MeteredBackend } from '../../src/engine/backend/metered';
import { sub, whole } from '../../src/engine/backend/types';

describe('MeteredBackend', () => {
  it('sums live bytes per kind, keeps peaks, and counts reads', async () => {
    const m = new MeteredBackend(new CpuBackend());
    const p = m.alloc(10, 'params');
    const g = m.alloc(10, 'grads');
    const h = m.alloc(5, 'grads.f16');
    m.alloc(3, 'adamw.m');
    m.alloc(7, 'lnf');
    expect(m.use().live).toEqual({ weights: 40, grads: 60, optimizer: 12, ema: 0, activations: 28 });
    m.free(h);
    expect(m.use().live.grads).toBe(40);
    expect(m.use().peak.grads).toBe(60); // the peak remembers the fp16 buffer
    m.resetPeaks();
    expect(m.use().peak.grads).toBe(40);
    m.write(p, Float32Array.from({ length: 10 }, (_, i) => i));
    m.dispatch('add', { out: whole(g), a: whole(p), b: whole(p), n: 10 });
    expect(Array.from(await m.read(sub(whole(g), 2, 3)))).toEqual([4, 6, 8]);
    expect(m.readBytes).toBe(12);
    m.destroy();
  });
});
