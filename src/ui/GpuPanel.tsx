import { useEnv } from '../state/envStore';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** The adapter, its key limits, and the backend choice with its reason. */
export function GpuPanel() {
  const { status, adapter, missingReason, choice, spike } = useEnv();
  if (status === 'probing') return <section className="panel">Looking for a WebGPU adapter…</section>;
  return (
    <section className="panel" data-testid="gpu-panel">
      <h2>Compute</h2>
      {adapter ? (
        <dl className="facts">
          <dt>WebGPU adapter</dt>
          <dd data-testid="adapter-name">
            {adapter.vendor || 'unknown vendor'} {adapter.architecture} {adapter.device}
          </dd>
          <dt>Software fallback</dt>
          <dd data-testid="adapter-fallback">{adapter.isFallback ? 'yes' : 'no'}</dd>
          <dt>shader-f16</dt>
          <dd data-testid="adapter-f16">{adapter.shaderF16 ? 'available' : 'not available'}</dd>
          <dt>Workgroup</dt>
          <dd>
            {adapter.limits.maxComputeInvocationsPerWorkgroup} invocations,{' '}
            {adapter.limits.maxComputeWorkgroupStorageSize / 1024} KiB shared memory
          </dd>
          <dt>Storage buffers / stage</dt>
          <dd>{adapter.limits.maxStorageBuffersPerShaderStage}</dd>
          <dt>Largest binding</dt>
          <dd>{mib(adapter.limits.maxStorageBufferBindingSize)}</dd>
        </dl>
      ) : (
        <p data-testid="adapter-missing">{missingReason}</p>
      )}
      {choice && (
        <p className="choice" data-testid="backend-choice">
          Backend: <strong data-testid="backend-name">{choice.backend}</strong>. {choice.reason}
        </p>
      )}
      {adapter && (
        <p data-testid="worker-spike" data-ok={spike ? String(spike.ok) : 'pending'}>
          {spike
            ? `Worker check: ${spike.message}${spike.ms !== undefined ? ` (${spike.ms.toFixed(0)} ms)` : ''}`
            : 'Worker check: running…'}
        </p>
      )}
    </section>
  );
}
