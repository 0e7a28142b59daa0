// `npm run bench -- SUITE [--json] [--backend cpu|webgpu] [--quick]`: one suite, peers measured in the same run.
import { save, table, type Suite } from '../../bench/lib';

const suites: Record<string, () => Promise<{ default: Suite }>> = {
  // Each suite lives in bench/suites/<name>.ts and default-exports a Suite.
  allreduce: () => import('../../bench/suites/allreduce'),
  train: () => import('../../bench/suites/train'),
  matmul: () => import('../../bench/suites/matmul'),
  'matmul-webgpu': () => import('../../bench/suites/matmul-webgpu'),
  attention: () => import('../../bench/suites/attention'),
  checkpoint: () => import('../../bench/suites/checkpoint'),
  grads: () => import('../../bench/suites/grads'),
};

const argv = process.argv.slice(2);
const name = argv.find((a) => !a.startsWith('--'));
const json = argv.includes('--json');
const quick = argv.includes('--quick');
const bi = argv.indexOf('--backend');
const backend = bi >= 0 ? argv[bi + 1] : name === 'attention' ? 'webgpu' : 'cpu'; // attention is measured on webgpu only
if (!name || !suites[name]) {
  console.error(`npm run bench: unknown or missing suite${name ? ` '${name}'` : ''}; choose one of: ${Object.keys(suites).join(', ') || '(none yet)'}`);
  process.exit(2);
}
if (backend !== 'cpu' && backend !== 'webgpu') {
  console.error(`npm run bench: --backend must be cpu or webgpu, got ${backend ?? '(nothing)'}`);
  process.exit(2);
}
// matmul on webgpu runs in Chromium against TF.js's WebGPU/WebGL backends (bench/suites/matmul-webgpu.ts).
const suite = (await suites[name === 'matmul' && backend === 'webgpu' ? 'matmul-webgpu' : name]()).default;
const report = await suite({ json, backend, quick, args: argv });
// A --quick sweep is a smoke run: it never replaces the committed full results.
const file = save(report, quick ? `${backend}-quick` : backend);
if (json) console.log(JSON.stringify(report));
else console.log(`${table(report)}\n\nsaved ${file}`);
