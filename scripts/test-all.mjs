#!/usr/bin/env node
// `npm test`: every check in order, each step's own output shown, then one summary.
// Runs all steps even after a failure so one run shows every problem; exits 1 if any failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gpuEnv } from './gpu-env.mjs';

const out = join('test-results', 'summary');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const bin = (name) => join('node_modules', '.bin', name);
const vitestJson = (name) => [`--reporter=default`, `--reporter=json`, `--outputFile.json=${join(out, `${name}.json`)}`];

const steps = [
  { name: 'typecheck', cmd: [bin('tsc'), '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'lint', cmd: [bin('eslint'), '--max-warnings', '0', '.'] },
  { name: 'unit', cmd: [bin('vitest'), 'run', '--project', 'unit', ...vitestJson('unit')], json: 'vitest' },
  { name: 'wgsl-compile', cmd: ['node', 'scripts/wgsl-check.mjs'] },
  { name: 'wgsl-exec (node, SwiftShader)', cmd: [bin('vitest'), 'run', '--project', 'gpu', ...vitestJson('gpu')], env: gpuEnv(), json: 'vitest', file: 'gpu' },
  {
    name: 'browser (chromium)',
    cmd: [bin('playwright'), 'test', '--reporter=list,json'],
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: join(out, 'browser.json') },
    json: 'playwright',
    file: 'browser',
  },
];

function counts(step) {
  const file = join(out, `${step.file ?? step.name}.json`);
  if (!step.json || !existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  if (step.json === 'vitest') {
    return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
  }
  const s = r.stats ?? {};
  return { passed: s.expected ?? 0, failed: (s.unexpected ?? 0) + (s.flaky ?? 0), skipped: s.skipped ?? 0 };
}

const results = [];
for (const step of steps) {
  console.log(`\n=== ${step.name} ===`);
  const t0 = Date.now();
  const r = spawnSync(step.cmd[0], step.cmd.slice(1), { stdio: 'inherit', env: step.env ?? process.env });
  results.push({ name: step.name, ok: r.status === 0, s: (Date.now() - t0) / 1000, counts: counts(step) });
}

console.log('\n=== summary ===');
let passed = 0, failed = 0, skipped = 0;
for (const r of results) {
  const c = r.counts;
  if (c) { passed += c.passed; failed += c.failed; skipped += c.skipped; }
  const detail = c ? `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped` : '';
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(32)} ${r.s.toFixed(1).padStart(6)} s  ${detail}`);
}
const stepsFailed = results.filter((r) => !r.ok).length;
console.log(`steps: ${results.length - stepsFailed} ok, ${stepsFailed} failed`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(stepsFailed ? 1 : 0);
