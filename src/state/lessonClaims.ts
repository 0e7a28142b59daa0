// What each lesson claims, as a check over its runs' results (lessonRun.ts), with the numbers that answer
// its question. A claim holds or not on the numbers the runs produced; it never looks at wall-clock
// speed except as a relation within one run that the settings make large (a straggler sleeping four of
// its own compute times). Tolerances are argued where they are set. Pure.
// Legend: N = devices, P = parameters, S = gradient bytes of one allreduce; ms; bytes.
import { gradientBytes, perStep, type LessonRun } from './lessonRun';

/** One number that answers a lesson's question; `key` names it for tests and screen readers. */
export interface LessonNumber { key: string; label: string; value: string }

export interface ClaimResult {
  holds: boolean;
  /** One or two sentences: what the numbers show. */
  summary: string;
  numbers: LessonNumber[];
}

const num = (key: string, label: string, value: string): LessonNumber => ({ key, label, value });
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const g6 = (x: number) => (Number.isFinite(x) ? x.toPrecision(6) : String(x));
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** `check` over `want` runs; runs that did not all finish (`allowFailed`: or fail) answer nothing. */
const claim = (want: number, check: (runs: LessonRun[]) => ClaimResult, allowFailed = false) => (runs: LessonRun[]): ClaimResult => {
  const bad = runs.filter((r) => r.status !== 'done' && !(allowFailed && r.status === 'failed'));
  if (runs.length === want && bad.length === 0) return check(runs);
  const which = bad.map((r) => `${r.label} (${r.status}${r.failure ? `: ${r.failure.message}` : ''})`).join(', ');
  return { holds: false, summary: `Not answered: ${runs.length < want ? `${runs.length} of ${want} runs were trained` : `${which} did not finish`}.`, numbers: [] };
};

/**
 * Same global batch, same samples: every step's loss agrees across the splits. fp32 on the CPU backend,
 * the splits differ only in the order of f32 sums (per micro-batch, per device, then the ring), ~1e-7
 * relative per step, growing a little as the weights drift apart over the run; the lesson's 40 steps
 * measured at most 1.5e-6 (`bench/lessons.ts`, docs/playground.md). 1e-4 leaves room for that and fails
 * on any real difference: another seed, or one sample fewer in a batch of 16, moves the losses by ~1e-2.
 */
export const SAME_CURVE_TOL = 1e-4;

/**
 * Ring bytes: each device sends 2(N-1) chunks of S/N per bucket. When a bucket's length does not divide
 * by N the chunks differ by one element, so a device is off the formula by less than 2(N-1) elements per
 * bucket (4 bytes each; 2 with fp16 compression).
 */
const ringSlack = (r: LessonRun) => 2 * ((r.cfg?.devices ?? 1) - 1) * 4 * Math.max(1, Math.ceil(gradientBytes(r) / ((r.cfg?.bucketMb ?? 25) * 2 ** 20)));

/**
 * ZeRO-1 against plain data parallelism: the same updates, computed on shards; the reduce-scatter adds
 * in another order than the allreduce, ~1e-7 per step, and AdamW's division by sqrt(v) lets such
 * differences grow a little over the run: after the lesson's 20 steps the weights measured at most
 * 2.3e-6 apart (`bench/lessons.ts`). 1e-5 is the product's bar for "the same weights" (the invariant
 * the unit tests hold ZeRO-1 to); a different seed moves the weights by ~1e-2.
 */
export const ZERO_WEIGHTS_TOL = 1e-5;

export const CLAIMS = {
  sameCurve: claim(3, (runs) => {
    const [a, ...rest] = runs;
    const diffs = rest.map((r) => (r.losses.length === a.losses.length ? maxAbs(r.losses, a.losses) : Infinity));
    const worst = Math.max(...diffs);
    const holds = worst <= SAME_CURVE_TOL;
    return {
      holds,
      summary: holds
        ? `The three splits trained the same steps: their losses agree within ${worst.toExponential(1)} at every step (the tolerance is ${SAME_CURVE_TOL}). Only the speed differs.`
        : `The losses differ by ${worst.toExponential(2)}, more than ${SAME_CURVE_TOL}: these runs did not train the same samples (are the seed and global batch the same?).`,
      numbers: [
        ...runs.flatMap((r, i) => [num(`final-loss-${i}`, `${r.label}: final loss`, g6(r.losses.at(-1) ?? NaN)), num(`tokens-${i}`, `${r.label}: tokens/s`, r.tokensPerS.toFixed(0))]),
        num('max-loss-diff', 'largest loss difference at any step', worst.toExponential(2)),
      ],
    };
  }),

  ringBytes: claim(5, (runs) => {
    const numbers: LessonNumber[] = [];
    let ringOk = true;
    let naiveMax = 0, ringMax = 0;
    runs.forEach((r, i) => {
      const N = r.cfg!.devices, S = gradientBytes(r);
      const sent = perStep(r, 'bytesSent');
      const busiest = Math.max(...sent);
      numbers.push(num(`bytes-${i}`, `${r.label}: bytes sent per device per step`, sent.map((b) => b.toFixed(0)).join(', ')));
      numbers.push(num(`comm-${i}`, `${r.label}: communication per step (busiest device)`, ms(Math.max(...perStep(r, 'msComm').map((c, d) => c + perStep(r, 'msIdle')[d])))));
      if (r.cfg!.allreduce === 'ring') {
        const formula = (2 * (N - 1) / N) * S;
        numbers.push(num(`formula-${i}`, `${r.label}: 2(N−1)/N × S`, formula.toFixed(0)));
        ringOk &&= sent.every((b) => Math.abs(b - formula) <= ringSlack(r));
        ringMax = Math.max(ringMax, busiest);
      } else if (r.cfg!.allreduce === 'naive') naiveMax = busiest;
    });
    const S = gradientBytes(runs[0]);
    numbers.unshift(num('gradient-bytes', 'S, the gradient bytes of one allreduce', `${S} (${kb(S)})`));
    const holds = ringOk && ringMax < 2 * S && naiveMax > ringMax;
    return {
      holds,
      summary: holds
        ? `With a ring every device sends 2(N−1)/N × S: ${kb(ringMax)} per step at most, under 2S = ${kb(2 * S)} whatever N. With naive, device 0 sends ${kb(naiveMax)} per step: (N−1) × S, which grows with N.`
        : `The ring's bytes per device are not 2(N−1)/N × S here (busiest ${ringMax.toFixed(0)} bytes, naive ${naiveMax.toFixed(0)}).`,
      numbers,
    };
  }),

  straggler: claim(2, (runs) => {
    const [calm, slow] = runs;
    const rank = slow.cfg!.slowDevice?.rank ?? -1;
    const idle = perStep(slow, 'msIdle'), calmIdle = perStep(calm, 'msIdle');
    const others = idle.filter((_, d) => d !== rank);
    // The straggler sleeps (factor - 1) x its own compute per micro-batch, so the others wait about that long
    // at every allreduce while it waits for nobody: "more than the straggler" holds with a wide margin.
    const holds = rank >= 0 && others.every((x) => x > idle[rank]);
    return {
      holds,
      summary: holds
        ? `Every other device waits ${others.map((x) => x.toFixed(0)).join(', ')} ms per step for device ${rank}, which itself waits ${idle[rank].toFixed(0)} ms: the straggler's slowness becomes everyone else's idle time.`
        : `The other devices did not wait longer than the straggler (waiting: ${idle.map((x) => x.toFixed(1)).join(', ')} ms).`,
      numbers: [
        num('idle-calm', `${calm.label}: waiting per step by device`, calmIdle.map(ms).join(', ')),
        num('idle-slow', `${slow.label}: waiting per step by device`, idle.map(ms).join(', ')),
        num('compute-slow', `${slow.label}: compute per step by device`, perStep(slow, 'msCompute').map(ms).join(', ')),
      ],
    };
  }),

  lossScale: claim(1, (runs) => {
    const [r] = runs;
    const lead = r.skipped.indexOf(false); // steps before it were skipped
    const skipped = r.skipped.filter(Boolean).length;
    const start = r.cfg!.lossScale, end = r.lossScales.at(-1) ?? NaN;
    // GradScaler: an overflow skips the step and halves the scale, so the leading skips walk the scale down
    // by powers of two from the start (each step reports the scale it ran with).
    const halvings = lead > 0 && r.lossScales.slice(0, lead + 1).every((s, i) => s === start / 2 ** i);
    const trained = lead > 0 && lead < r.losses.length;
    const learned = trained && (r.losses.at(-1) ?? Infinity) < r.losses[0];
    const holds = halvings && learned && end < start;
    return {
      holds,
      summary: holds
        ? `The first ${lead} steps overflowed and were skipped, halving the scale each time from ${start.toExponential(0)} to ${r.lossScales[lead].toExponential(2)}; from step ${lead + 1} the gradients fit in fp16 and the loss fell from ${r.losses[0].toFixed(3)} to ${r.losses.at(-1)!.toFixed(3)}.`
        : `The scale did not back off as expected (leading skipped steps: ${Math.max(lead, 0)}, scale ${start} → ${end}).`,
      numbers: [
        num('skipped', 'steps skipped', String(skipped)),
        num('first-trained', 'first step that trained', lead >= 0 ? String(lead + 1) : 'none'),
        num('scale-start', 'loss scale at the start', start.toExponential(2)),
        num('scale-end', 'loss scale at the end', end.toExponential(2)),
        num('loss-first', 'loss at step 1', g6(r.losses[0])),
        num('loss-last', 'loss at the last step', g6(r.losses.at(-1) ?? NaN)),
      ],
    };
  }),

  zero: claim(2, (runs) => {
    const [plain, sharded] = runs;
    const N = sharded.cfg!.devices, full = plain.optimizerBytes[0];
    const slots = full / (4 * plain.params); // AdamW: 2
    // each shard is P/N parameters, rounded: off by at most one parameter's slots
    const perDevice = sharded.optimizerBytes.every((b) => Math.abs(b - full / N) <= 4 * slots);
    const total = sharded.optimizerBytes.reduce((a, b) => a + b, 0) === full;
    const diff = plain.finalParams && sharded.finalParams ? maxAbs(plain.finalParams, sharded.finalParams) : Infinity;
    const holds = perDevice && total && diff <= ZERO_WEIGHTS_TOL;
    return {
      holds,
      summary: holds
        ? `Without ZeRO every device holds ${kb(full)} of optimizer state; with ZeRO-1 each holds about ${kb(full / N)}, 1/${N} of it, and together exactly the same. The final weights differ by at most ${diff.toExponential(1)}.`
        : `ZeRO-1 did not divide the optimizer state by ${N} with the same weights (largest weight difference ${diff.toExponential(2)}).`,
      numbers: [
        num('optimizer-plain', `${plain.label}: optimizer bytes per device`, plain.optimizerBytes.map(kb).join(', ')),
        num('optimizer-zero', `${sharded.label}: optimizer bytes per device`, sharded.optimizerBytes.map(kb).join(', ')),
        num('weights-diff', 'largest difference between the final weights', diff.toExponential(2)),
      ],
    };
  }),

  recovery: claim(3, (runs) => {
    const numbers: LessonNumber[] = [];
    let holds = runs.length > 0;
    runs.forEach((r, i) => {
      const cfg = r.cfg!, k = cfg.killDevice?.step ?? 0, done = k - 1;
      const rec = r.recoveries[0];
      if (!rec) {
        holds = false;
        numbers.push(num(`redone-${i}`, `${r.label}: steps redone`, 'no recovery'));
        return;
      }
      // restart: back to the newest checkpoint at or before the kill (none: the initial weights);
      // elastic: the survivors keep their state, so no completed step is lost
      const ckpt = Math.max(0, ...r.checkpoints.filter((s) => s <= done));
      const expected = cfg.recovery === 'elastic' && cfg.zero === 0 ? 0 : done - ckpt;
      holds &&= rec.stepsRedone === expected && rec.devices === (cfg.recovery === 'elastic' ? cfg.devices - 1 : cfg.devices);
      numbers.push(num(`redone-${i}`, `${r.label}: steps redone`, String(rec.stepsRedone)));
      numbers.push(num(`from-${i}`, `${r.label}: went on from step`, `${rec.step}${cfg.recovery === 'restart' ? (ckpt > 0 ? ' (checkpoint)' : ' (no checkpoint: the initial weights)') : ''}`));
      numbers.push(num(`devices-${i}`, `${r.label}: devices after`, String(rec.devices)));
      numbers.push(num(`final-${i}`, `${r.label}: final loss`, g6(r.losses.at(-1) ?? NaN)));
    });
    return {
      holds,
      summary: holds
        ? `Restart went back to the newest checkpoint (the initial weights when there was none yet), so the steps since it were lost (${runs.filter((r) => r.cfg!.recovery === 'restart').map((r) => r.recoveries[0].stepsRedone).join(' and ')} here); elastic lost none and went on with one device fewer.`
        : 'The steps redone do not match the checkpoints saved before the kill.',
      numbers,
    };
  }),

  warmup: claim(2, (runs) => {
    const [wild, tame] = runs;
    const peak = (r: LessonRun) => Math.max(...r.gradNorms.filter(Number.isFinite));
    const diverged = wild.status === 'failed' && wild.failure?.code === 'DIVERGED';
    const learned = tame.status === 'done' && tame.losses.every(Number.isFinite) && tame.losses.at(-1)! < tame.losses[0];
    const holds = diverged && learned;
    return {
      holds,
      summary: holds
        ? `Without warmup and clipping the loss exploded and became infinite at step ${wild.failure!.step} (gradient norm up to ${peak(wild).toPrecision(3)}): each huge step made the next gradient larger. With warmup 20 and clip 1 the same lr trained: loss ${tame.losses[0].toFixed(2)} → ${tame.losses.at(-1)!.toFixed(2)}.`
        : `Expected the first run to diverge and the second to train (first: ${wild.status}, second: ${tame.status}).`,
      numbers: [
        num('wild-outcome', `${wild.label}: outcome`, diverged ? `diverged at step ${wild.failure!.step}` : wild.status),
        num('wild-grad', `${wild.label}: largest gradient norm`, peak(wild).toPrecision(3)),
        num('tame-outcome', `${tame.label}: outcome`, tame.status),
        num('tame-grad', `${tame.label}: largest gradient norm`, peak(tame).toPrecision(3)),
        num('tame-loss', `${tame.label}: loss at the first and last step`, `${g6(tame.losses[0])} → ${g6(tame.losses.at(-1) ?? NaN)}`),
      ],
    };
  }, true),
};
