// `npm run train --backend cpu|webgpu|auto` end to end on a tiny model: the webgpu run gives the cpu run's
// losses step by step, on one device and on two worker devices, auto prints the probe timings and trains
// on the backend they favour, and a machine without a usable Vulkan driver gets one line naming what to
// install (exit 2).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ringlab-cli-gpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Skewed, learnable text: the loss falls ~0.03 per step, so a wrong update shows far above the tolerance.
const pangrams = ['the quick brown fox jumps over the lazy dog. ', 'pack my box with five dozen liquor jugs! ', 'how vexingly quick daft zebras jump. '];
writeFileSync(join(dir, 'pangrams.txt'), Array.from({ length: 400 }, (_, i) => pangrams[(i * 7) % 3]).join(''));
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const tiny = ['--data', join(dir, 'pangrams.txt'), '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--micro-batch', '4',
  '--steps', '6', '--eval-every', '0', '--eval-windows', '4', '--warmup', '1', '--lr', '1e-2'];

function train(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync('npm', ['run', '--silent', 'train', '--', ...tiny, ...args], { cwd: root, encoding: 'utf8', timeout: 90_000, env });
  return { code: r.status, stderr: r.stderr };
}
interface Line { step: number; loss: number; backend: string; val_loss?: number }
const metrics = (out: string): Line[] => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);

describe('npm run train --backend', () => {
  it('webgpu reproduces the cpu losses step by step', () => {
    const cpu = train(['--backend', 'cpu', '--out', join(dir, 'cpu')]);
    expect(cpu.code, cpu.stderr).toBe(0);
    // A plain `npm run train` has no VK_ICD_FILENAMES: the command must find SwiftShader by itself.
    const env = { ...process.env };
    if (env.VK_ICD_FILENAMES === SWIFTSHADER_ICD) delete env.VK_ICD_FILENAMES;
    const gpu = train(['--backend', 'webgpu', '--out', join(dir, 'webgpu')], env);
    expect(gpu.code, gpu.stderr).toBe(0);
    expect(gpu.stderr).toMatch(/^backend webgpu on .*: matmul \w+, attention \w+/m);
    const a = metrics(join(dir, 'cpu')), b = metrics(join(dir, 'webgpu'));
    expect(a.map((m) => m.backend)).toEqual(Array(6).fill('cpu'));
    expect(b.map((m) => m.backend)).toEqual(Array(6).fill('webgpu'));
    const diffs = a.map((m, i) => Math.abs(m.loss - b[i].loss));
    console.log(`cpu vs webgpu loss differences per step: ${diffs.map((d) => d.toExponential(1)).join(' ')}`);
    // Same weights and batches; only f32 summation order differs (kernels agree to ~1e-7 relative), and
    // six AdamW steps carry it forward: seen <= 6e-8 here and <= 5.8e-7 over 20 steps of a larger model.
    // 1e-5 leaves room for other adapters and stays 3000x below one step's loss change (~3e-2).
    for (const d of diffs) expect(d).toBeLessThan(1e-5);
    expect(Math.abs(a[5].val_loss! - b[5].val_loss!)).toBeLessThan(1e-5);
    expect(a[5].loss).toBeLessThan(a[0].loss - 0.05); // the updates matter: a skipped update would show
  });

  it('--devices 2: each worker opens its own GPUDevice and the run keeps the one-device losses', () => {
    // Two devices of micro-batch 2 make the same global batch of 4 as the cpu run above (same windows).
    const r = train(['--backend', 'webgpu', '--devices', '2', '--micro-batch', '2', '--steps', '2', '--out', join(dir, 'multi')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^2 devices \(webgpu\)/m);
    const devices = JSON.parse(readFileSync(join(dir, 'multi', 'devices.json'), 'utf8')) as { backend: string }[];
    expect(devices.map((d) => d.backend)).toEqual(['webgpu', 'webgpu']);
    const one = metrics(join(dir, 'cpu')), two = metrics(join(dir, 'multi'));
    expect(two.map((m) => m.step)).toEqual([1, 2]);
    // Same tolerance and reason as above; the split adds a ring allreduce sum order (~1e-7 relative).
    for (let i = 0; i < 2; i++) expect(Math.abs(two[i].loss - one[i].loss)).toBeLessThan(1e-5);
  });

  it('auto times both backends, says so, and trains on the faster', () => {
    const r = train(['--backend', 'auto', '--steps', '1', '--out', join(dir, 'auto')]);
    expect(r.code, r.stderr).toBe(0);
    const m = /^backend auto: (cpu|webgpu) is (\d+\.\d)x faster on a probe training step .*: cpu (\d+\.\d) ms, webgpu (\d+\.\d) ms\./m.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    console.log(m![0]);
    const [cpuMs, gpuMs] = [Number(m![3]), Number(m![4])];
    expect(m![1]).toBe(gpuMs < cpuMs ? 'webgpu' : 'cpu'); // the printed choice follows the printed timings
    expect(metrics(join(dir, 'auto'))[0].backend).toBe(m![1]);
  });

  it('without a usable Vulkan driver, webgpu is one line naming what to install, exit 2', () => {
    const r = train(['--backend', 'webgpu', '--steps', '1'], { ...process.env, VK_ICD_FILENAMES: join(dir, 'no-such-icd.json') });
    expect(r.code).toBe(2);
    // Dawn's own Vulkan warnings come first (native stderr); ours is the last line.
    const last = r.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(/^npm run train: --backend webgpu: no WebGPU adapter was granted .*apt-get install -y chromium libvulkan1.*--backend cpu$/);
  });

  it('a model beyond the kernels (head size 160 > 128) is one line and exit 2, not a stack trace', () => {
    const r = train(['--backend', 'webgpu', '--steps', '1', '--n-embd', '160', '--n-head', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('npm run train: --backend webgpu: attention_fwd: head size 160 exceeds the 128 the WGSL kernels hold in registers; use a smaller model or --backend cpu');
  });
});
