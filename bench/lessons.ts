// Each lesson's runs trained headless, the claim checked on their numbers: the same driver, Node
// environment and checkpoint files as `npm run train -- --config LINK --out DIR` (src/cli/train.ts
// subscribes to the same startRun), with each run's link printed so it can be rerun by hand.
// Usage: tsx --import ./scripts/register-raw.mjs bench/lessons.ts [LESSON_ID...] [--over LINK_TEXT]
// (`--over` puts settings over every lesson's, as the page's link does, e.g. steps=10).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCheckpointStore } from '../src/cli/checkpoint-disk';
import { loadData } from '../src/cli/data';
import { nodeRunEnv } from '../src/cli/node-run';
import { configToLink } from '../src/engine/link';
import { startRun } from '../src/run/driver';
import { lessonRunConfig } from '../src/state/lessonPlan';
import { addLessonEvent, newLessonRun, type LessonRun } from '../src/state/lessonRun';
import { LESSONS } from '../src/state/lessons';

const args = process.argv.slice(2);
const at = args.indexOf('--over');
const over = at >= 0 ? args[at + 1] : '';
const ids = args.filter((_, i) => at < 0 || (i !== at && i !== at + 1));

for (const lesson of LESSONS.filter((l) => ids.length === 0 || ids.includes(l.id))) {
  const runs: LessonRun[] = [];
  for (let i = 0; i < lesson.runs.length; i++) {
    const cfg = lessonRunConfig(lesson, i, over);
    console.log(`${lesson.id} / ${lesson.runs[i].label}: npm run train -- --config '#${configToLink(cfg)}'${cfg.checkpointEvery ? ' --out DIR' : ''}`);
    const dir = mkdtempSync(join(tmpdir(), 'lesson-'));
    const run = newLessonRun(lesson.runs[i].label);
    const t0 = Date.now();
    for await (const ev of startRun(cfg, loadData(cfg.data), nodeRunEnv(cfg, { checkpoints: new DiskCheckpointStore(dir) }))) addLessonEvent(run, ev);
    rmSync(dir, { recursive: true, force: true });
    console.log(`  ${run.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s; losses ${run.losses.slice(0, 3).map((x) => x.toFixed(4)).join(' ')} … ${run.losses.at(-1)?.toFixed(4)}`);
    runs.push(run);
  }
  const r = lesson.claim(runs);
  console.log(`${lesson.id}: claim ${r.holds ? 'HOLDS' : 'FAILS'}: ${r.summary}`);
  for (const n of r.numbers) console.log(`  ${n.label}: ${n.value}`);
}
process.exit(0);
