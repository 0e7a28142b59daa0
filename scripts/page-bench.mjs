#!/usr/bin/env node
// Page benchmarks (not tests): numbers about the playground in Debian's Chromium.
//   node scripts/page-bench.mjs [--steps S] [--devices N] [--port P] [--no-build] [--no-cli] [--json]
// 1. initial JS of the built page, gzip (what the first page load fetches: the entry and its static
//    imports), with the lazily loaded chunks (three.js) listed apart;
// 2. the longest main-thread task during a run of the default settings (brown, N devices, backend cpu):
//    in wall time (Long Tasks API entries >= 50 ms, and a MessageChannel probe of event-loop delay,
//    which also sees shorter blocks) and in the main thread's own CPU time (a Chromium trace: on a busy
//    2-core machine a task waits for a core, so wall time measures the machine as much as the page);
//    the page is scrolled to the charts, so the charts and the topology draw as a viewer sees them;
// 3. tokens/s of that run in the page (the driver's tokens / loop wall time) against `npm run train`
//    with the same settings in Node on this machine.
// Starts its own preview server (by pid, stopped at the end). Legend: ms; bytes.
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';

const argv = process.argv.slice(2);
const opt = (name, d) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : d);
const steps = Number(opt('steps', '60')), devices = Number(opt('devices', '4')), port = Number(opt('port', process.env.PW_PORT ?? '4191'));
const log = (...a) => !argv.includes('--json') && console.log(...a);

if (!argv.includes('--no-build')) spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });

// 1. bundle: the entry script of index.html and the chunks it imports statically (modulepreload)
const html = readFileSync('dist/index.html', 'utf8');
const initial = [...html.matchAll(/(?:src|href)="(?:\.?\/)(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const gz = (f) => gzipSync(readFileSync(join('dist', f))).length;
const bundle = { initialJsGzip: initial.filter((f) => f.endsWith('.js')).reduce((a, f) => a + gz(f), 0), initialCssGzip: initial.filter((f) => f.endsWith('.css')).reduce((a, f) => a + gz(f), 0), files: initial };
const lazy = readdirSync('dist/assets').filter((f) => f.endsWith('.js') && !initial.includes(`assets/${f}`));
bundle.lazy = Object.fromEntries(lazy.map((f) => [f, gz(`assets/${f}`)]));
log(`initial JS ${(bundle.initialJsGzip / 1024).toFixed(1)} KiB gzip (${initial.filter((f) => f.endsWith('.js')).join(', ')}), CSS ${(bundle.initialCssGzip / 1024).toFixed(1)} KiB gzip`);
const three = lazy.find((f) => f.startsWith('Topology3D'));
if (three) log(`three.js view, loaded on demand: ${three} ${(bundle.lazy[three] / 1024).toFixed(1)} KiB gzip`);

// 2 and 3: a run in the page
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
const stopServer = () => { try { process.kill(-server.pid); } catch { /* already gone */ } };
process.on('exit', stopServer);
let page;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
try {
  for (let i = 0; ; i++) {
    try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { if (i > 100) throw new Error('preview server did not start'); await new Promise((r) => setTimeout(r, 200)); }
  }
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript(() => {
    const w = window;
    w.__long = [];
    w.__lag = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__long.push({ start: e.startTime, ms: e.duration }))).observe({ type: 'longtask', buffered: true });
    // event-loop probe: a message every ~10 ms; the delay past 10 ms is time the main thread was busy
    const ch = new MessageChannel();
    let sent = performance.now();
    ch.port1.onmessage = () => {
      const now = performance.now();
      w.__lag.push({ start: sent, ms: now - sent });
      setTimeout(() => { sent = performance.now(); ch.port2.postMessage(0); }, 10);
    };
    ch.port2.postMessage(0);
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.getByTestId('memory-estimate').waitFor({ timeout: 60_000 }); // the data worker has read the corpus
  const fill = async (k, v) => {
    const el = page.getByTestId(`setting-${k}`);
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(v); else await el.fill(v);
  };
  await fill('backend', 'cpu');
  await fill('devices', String(devices));
  await fill('steps', String(steps));
  // the CLI run below uses the page's own settings, read from the form
  const keys = { microBatch: 'micro-batch', accum: 'accum', lr: 'lr', warmup: 'warmup', clip: 'clip', blockSize: 'block-size', nLayer: 'n-layer', nHead: 'n-head', nEmbd: 'n-embd', evalWindows: 'eval-windows', data: 'data', seed: 'seed' };
  const flags = [];
  for (const [k, flag] of Object.entries(keys)) flags.push(`--${flag}`, await page.getByTestId(`setting-${k}`).inputValue());
  await page.getByRole('figure', { name: 'Loss', exact: true }).scrollIntoViewIfNeeded();
  const tStart = await page.evaluate(() => performance.now());
  const traceFile = '/tmp/ringlab-page-bench-trace.json';
  await browser.startTracing(page, { path: traceFile, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel'] });
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => ['done', 'failed', 'stopped'].includes(document.querySelector('[data-testid="train-status"]')?.getAttribute('data-status') ?? ''), null, { timeout: 900_000, polling: 1000 });
  await browser.stopTracing();
  const cpu = mainThreadTasks(JSON.parse(readFileSync(traceFile, 'utf8')));
  rmSync(traceFile, { force: true });
  const status = await page.getByTestId('train-status').getAttribute('data-status');
  if (status !== 'done') throw new Error(`run ${status}: ${await page.getByTestId('train-message').textContent()}`);
  const pageTps = Number((await page.getByTestId('train-tps').textContent()).replace(/,/g, ''));
  const { long, lag } = await page.evaluate(() => ({ long: window.__long, lag: window.__lag }));
  const worst = (xs, from, to) => xs.filter((x) => x.start >= from && x.start < to).reduce((a, x) => Math.max(a, x.ms), 0);
  const main = {
    longestTaskLoadMs: worst(long, 0, tStart), longestTaskRunMs: worst(long, tStart, Infinity),
    longTasksDuringRun: long.filter((x) => x.start >= tStart).map((x) => Math.round(x.ms)),
    worstLoopDelayRunMs: worst(lag, tStart, Infinity), worstLoopDelayLoadMs: worst(lag, 0, tStart),
    ...cpu, loadAverage: loadavg()[0],
  };
  log(`longest main-thread task during the run: ${main.longestTaskRunMs.toFixed(0)} ms wall (${main.longTasksDuringRun.length} tasks over 50 ms), worst event-loop delay ${main.worstLoopDelayRunMs.toFixed(0)} ms; at load ${main.longestTaskLoadMs.toFixed(0)} ms; load average ${main.loadAverage.toFixed(1)} on ${(await import('node:os')).cpus().length} cores`);
  log(`main thread CPU time during the run: ${cpu.cpuMs.toFixed(0)} ms over ${cpu.wallMs.toFixed(0)} ms; longest tasks by CPU time ${cpu.longestCpu.map((x) => `${x.cpu.toFixed(0)} ms (${x.what})`).join(', ')}`);

  let cliTps = null;
  if (!argv.includes('--no-cli')) {
    const r = spawnSync('npm', ['run', '--silent', 'train', '--', ...flags, '--devices', String(devices), '--steps', String(steps), '--eval-every', String(Math.max(1, Math.round(steps / 10))), '--backend', 'cpu'], { encoding: 'utf8' });
    const m = /(\d+) tokens\/s/.exec(r.stderr + r.stdout);
    cliTps = m ? Number(m[1]) : null;
    if (!m) console.error(r.stderr);
  }
  log(`tokens/s for ${devices} devices, ${steps} steps of the page's settings (${flags.join(' ')}), backend cpu: page ${pageTps}, CLI ${cliTps ?? '–'}${cliTps ? ` (page/CLI ${(pageTps / cliTps).toFixed(2)})` : ''}`);
  if (argv.includes('--json')) console.log(JSON.stringify({ bundle, main, tokensPerS: { page: pageTps, cli: cliTps }, steps, devices }, null, 2));
} finally {
  await browser.close();
  stopServer();
}

/** Main-thread tasks of a Chromium trace: total CPU, and the longest by the thread's own CPU time with
 *  what they spent it on. */
function mainThreadTasks(trace) {
  const ev = trace.traceEvents ?? trace;
  const main = new Set(ev.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const onMain = ev.filter((e) => main.has(`${e.pid}:${e.tid}`) && e.ph === 'X');
  const tasks = onMain.filter((e) => e.name === 'RunTask'); // top-level tasks, microtask checkpoints included
  const inner = ['SerializedScriptValueFactory::create', 'FireAnimationFrame', 'HandlePostMessage', 'Paint', 'Layout', 'EventDispatch', 'TimerFire', 'FunctionCall'];
  const longestCpu = [...tasks].sort((a, b) => (b.tdur ?? 0) - (a.tdur ?? 0)).slice(0, 3).map((t) => {
    const parts = new Map();
    for (const e of onMain) if (inner.includes(e.name) && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur) parts.set(e.name, (parts.get(e.name) ?? 0) + (e.tdur ?? 0) / 1000);
    const top = [...parts].sort((a, b) => b[1] - a[1])[0];
    return { cpu: (t.tdur ?? 0) / 1000, wall: t.dur / 1000, what: top ? top[0] : 'other' };
  });
  const first = Math.min(...tasks.map((t) => t.ts)), last = Math.max(...tasks.map((t) => t.ts + t.dur));
  return { cpuMs: tasks.reduce((a, t) => a + (t.tdur ?? 0), 0) / 1000, wallMs: (last - first) / 1000, longestCpu };
}
