// The compute adapter this browser offers (WebGPU limits that bound the kernels) and which backend
// `auto` chose, with the timings of the probe step that decided it.
import { useEnv } from './stores';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** The adapter, its key limits, and the backend choice with its reason. */
export function GpuPanel() {
  const { status, adapter, missingReason, auto } = useEnv((s) => s);
  if (status === 'probing') return <section className="panel">Looking for a WebGPU adapter…</section>;
  return (
    <section className="panel" data-testid="gpu-panel">
      <h2>Compute</h2>
      <p className="explain">
        Each device trains on a backend: <b>webgpu</b> runs the kernels as compute shaders on the graphics adapter,
        <b> cpu</b> runs the same maths in plain code. <code>auto</code> times one training step on each here and
        picks the faster.
      </p>
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
      <p className="choice" data-testid="backend-choice">
        {auto ? (
          <>Backend <code>auto</code> trains on <strong data-testid="backend-name">{auto.name}</strong>: {auto.reason.replace(/^backend auto: /, '')}</>
        ) : (
          'Backend auto: timing a probe training step on each backend…'
        )}
      </p>
    </section>
  );
}
