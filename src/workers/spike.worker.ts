// Device worker spike: proves a module worker gets its own adapter and GPUDevice and that a kernel
// computed there matches the CPU twin. Exposed as one comlink object.
import * as Comlink from 'comlink';
import { probeAdapter } from '../engine/backend/adapter';
import { addOnDevice, openDevice } from '../engine/backend/webgpu/device';
import { addInPlaceN } from '../engine/ops/elementwise';

export interface SpikeResult {
  ok: boolean;
  message: string;
  adapter?: string;
  n?: number;
  maxAbsErr?: number;
  ms?: number;
}

const api = {
  /** Run add_inplace on n elements (not a multiple of the workgroup size) and compare with addInPlaceN. */
  async run(n = 1000): Promise<SpikeResult> {
    const t0 = performance.now();
    const probe = await probeAdapter(self.navigator.gpu);
    if (!probe.ok) return { ok: false, message: probe.reason };
    const device = await openDevice(probe.adapter);
    try {
      const a = new Float32Array(n).map((_, i) => Math.sin(i) * 3);
      const b = new Float32Array(n).map((_, i) => Math.cos(i * 0.7));
      const gpu = await addOnDevice(device, a, b);
      const cpu = a.slice();
      addInPlaceN(cpu, b, cpu.length);
      let maxAbsErr = 0;
      for (let i = 0; i < n; i++) maxAbsErr = Math.max(maxAbsErr, Math.abs(gpu[i] - cpu[i]));
      // f32 addition is exact-rounded on both sides: any difference is a bug.
      const ok = maxAbsErr === 0;
      return {
        ok,
        message: ok ? 'Worker GPUDevice ran add_inplace and matched the CPU twin.' : `Mismatch: max |err| ${maxAbsErr}`,
        adapter: `${probe.summary.vendor} ${probe.summary.architecture}`.trim(),
        n,
        maxAbsErr,
        ms: performance.now() - t0,
      };
    } finally {
      device.destroy();
    }
  },
};

export type SpikeApi = typeof api;
Comlink.expose(api);
