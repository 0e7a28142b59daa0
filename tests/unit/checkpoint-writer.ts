// Child process of the crash test (checkpoint-disk.test.ts): encodes one checkpoint in memory (so the
// timed saves are not also the first run of hashing and encoding), prints "ready", waits for a line on
// stdin, then saves checkpoints of step latest+1, latest+2, ... into RUN_DIR with keep 2, printing
// "saved <n> <ms>" after each committed save, until it is killed. The state of step n is
// makeState(seed n), so the parent can check that what it loads is exactly what was saved for that step.
import { fileFromParts, toParts } from '../../src/engine/checkpoint';
import { DiskCheckpointStore } from '../../src/cli/checkpoint-disk';
import { makeState } from './checkpoint-helpers';

const state = (step: number) => toParts(makeState({ steps: 1_000_000 }, { step, seed: step }), { loss: step });
const store = new DiskCheckpointStore(process.argv[2]);
await fileFromParts(await state(1));
process.stdout.write('ready\n');
process.stdin.once('data', async () => {
  let step = ((await store.latest())?.step ?? 0) + 1;
  for (;;) {
    const t0 = performance.now();
    await store.save(await state(step), { keep: 2 });
    process.stdout.write(`saved ${step} ${(performance.now() - t0).toFixed(1)}\n`);
    step++;
  }
});
