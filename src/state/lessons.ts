// The lessons: guided experiments, each as data. A lesson has its settings as a share link, a short text,
// a question, runs (each a few settings over the lesson's, also as link text), which numbers answer the
// question, and a claim over the runs' results that a test can check (lessonClaims.ts). `lesson=<id>`
// in a link opens one; the link's own settings sit on top of the lesson's (a teacher's link, or a test
// that shrinks the runs). Pure data, no DOM.
// Legend: N = devices, B = micro-batch, K = accumulation, G = N x B x K, S = gradient bytes (4 per parameter).
import { CLAIMS, type ClaimResult } from './lessonClaims';
import type { LessonRun } from './lessonRun';

export interface LessonVariant {
  /** How the run is named in the lesson and in the run comparison. */
  label: string;
  /** Settings over the lesson's (link text without `v=`), e.g. `devices=2&accum=2`. */
  settings: string;
}

export interface Lesson {
  id: string;
  title: string;
  /** A few short paragraphs beside the run. */
  text: string[];
  question: string;
  /** The lesson's settings as a share link. */
  settings: string;
  runs: LessonVariant[];
  /** Which numbers on screen answer the question. */
  answer: string;
  /** The claim the runs must bear out, as a check over their results. */
  claim: (runs: LessonRun[]) => ClaimResult;
}

const brown = 'data=brown&blockSize=32&backend=cpu';

export const LESSONS: Lesson[] = [
  {
    id: 'global-batch',
    title: 'One global batch, three ways to split it',
    text: [
      'Each optimizer step trains on a global batch of G = devices × micro-batch × accum sequences. The devices each run accum micro-batches of micro-batch sequences and add up their gradients once per step.',
      'The samples of a step depend only on the seed, the step and G, never on how G is split. So 4 devices × 4 × 1, 2 devices × 4 × 2 and 1 device × 16 × 1 take the same steps; only the order in which numbers are added differs.',
    ],
    question: 'Does splitting the same global batch differently change what the model learns, or only how fast?',
    settings: `v=1&devices=4&microBatch=4&steps=40&lr=0.002&warmup=10&evalEvery=10&evalWindows=16&${brown}`,
    runs: [
      { label: '4 × 4 × 1', settings: 'devices=4&microBatch=4&accum=1' },
      { label: '2 × 4 × 2', settings: 'devices=2&microBatch=4&accum=2' },
      { label: '1 × 16 × 1', settings: 'devices=1&microBatch=16&accum=1' },
    ],
    answer: 'The loss of every step in the three runs (largest difference), and tokens/s of each: the curves overlay in "Compare runs", the speeds differ.',
    claim: CLAIMS.sameCurve,
  },
  {
    id: 'ring',
    title: 'Why a ring',
    text: [
      'An allreduce leaves every device with the sum of all gradients. Naive: everyone sends its whole gradient (S bytes) to device 0, which sends the sum back to each, so device 0 sends (N−1) × S. Tree: partial sums go up a binary tree and the total comes down.',
      'Ring: the gradient is cut into N chunks; in N−1 steps each device passes one chunk to its neighbour and adds what it receives (reduce-scatter), then N−1 more steps pass the finished chunks round (all-gather). Each device sends 2(N−1)/N × S: under 2S however many devices there are.',
      'The links here are slow (link-bw 0.05 GB/s, link-latency 1 ms per message), so bytes cost time. Here every pair of devices has a link of its own, so device 0 of naive sends to all the others at once; on a real machine its one network port carries all (N−1) × S bytes, and the busiest device sets the pace. The ring also pays the latency 2(N−1) times per step, which can make it slower than naive on gradients this small.',
    ],
    question: 'How many bytes does each device send per step as N grows, with a ring against naive and tree?',
    settings: `v=1&devices=2&microBatch=2&steps=4&warmup=1&evalEvery=0&evalWindows=8&linkBw=0.05&linkLatency=1&${brown}`,
    runs: [
      { label: 'ring, 2 devices', settings: 'devices=2&allreduce=ring' },
      { label: 'ring, 4 devices', settings: 'devices=4&allreduce=ring' },
      { label: 'ring, 8 devices', settings: 'devices=8&allreduce=ring' },
      { label: 'naive, 8 devices', settings: 'devices=8&allreduce=naive' },
      { label: 'tree, 8 devices', settings: 'devices=8&allreduce=tree' },
    ],
    answer: 'Bytes sent per device per step against 2(N−1)/N × S, and the busiest device of each algorithm; the communication time per step on the slow links.',
    claim: CLAIMS.ringBytes,
  },
  {
    id: 'stragglers',
    title: 'A straggler',
    text: [
      'An allreduce finishes only when every device has handed in its gradient. If one device computes slower (an older GPU, a busy machine), everyone else waits for it at every step.',
      'The second run makes device 3 five times slower at computing (slow-device 3:5). Watch "Where the time goes" and the timeline: the waiting appears on the other devices, not on the slow one.',
    ],
    question: 'Which devices lose time to a straggler?',
    settings: `v=1&devices=4&microBatch=4&steps=10&warmup=2&evalEvery=0&evalWindows=8&${brown}`,
    runs: [
      { label: 'no straggler', settings: '' },
      { label: 'device 3 five times slower', settings: 'slowDevice=3:5' },
    ],
    answer: 'Mean waiting (ms per step) of each device in both runs.',
    claim: CLAIMS.straggler,
  },
  {
    id: 'fp16',
    title: 'fp16 and loss scaling',
    text: [
      'With fp16 gradients, small values underflow to zero, so the loss is multiplied by a loss scale before backward and the gradients divided by it before the update. Too large a scale overflows fp16 (above 65,504) into infinity.',
      'This run starts at a scale of 10^12 on purpose. Each step whose gradients are not finite is skipped (the weights do not move) and the scale is halved, until it fits; then training goes on. See the "Loss scale" chart: skipped steps in red.',
    ],
    question: 'What happens to an fp16 run whose loss scale is far too large?',
    settings: `v=1&devices=2&microBatch=4&precision=fp16&lossScale=1000000000000&steps=40&warmup=5&evalEvery=0&evalWindows=8&${brown}`,
    runs: [{ label: 'fp16, loss scale 10^12', settings: '' }],
    answer: 'The steps skipped, the loss scale at the start and at the end, and the loss before and after.',
    claim: CLAIMS.lossScale,
  },
  {
    id: 'zero',
    title: 'ZeRO-1: shard the optimizer state',
    text: [
      'AdamW keeps two numbers per parameter (m and v): twice the weights. In plain data parallelism every device keeps all of it. ZeRO stage 1 gives each device the optimizer state of 1/N of the parameters: it reduce-scatters the gradients, updates its own shard, and all-gathers the weights.',
      'The arithmetic is the same, so the weights should be the same; only where the state lives changes.',
    ],
    question: 'How much optimizer memory does each device need with ZeRO-1, and does the model change?',
    settings: `v=1&devices=4&microBatch=4&steps=20&warmup=5&evalEvery=0&evalWindows=8&${brown}`,
    runs: [
      { label: 'zero 0', settings: 'zero=0' },
      { label: 'zero 1', settings: 'zero=1' },
    ],
    answer: 'Optimizer bytes per device in both runs, and the largest difference between their final weights.',
    claim: CLAIMS.zero,
  },
  {
    id: 'kill',
    title: 'Killing a device',
    text: [
      'Device 1 is killed before step 15 (kill-device 1@15). With recovery restart, every device starts again from the newest checkpoint: the steps since then are lost and trained again, so a checkpoint every 4 steps loses less than one every 10.',
      'With recovery elastic the three survivors re-form the ring and go on with their own weights and optimizer state, sharing out the dead device\'s micro-batches: only the step in flight is trained again.',
    ],
    question: 'How much work is lost when a device dies, with restart and with elastic recovery?',
    settings: `v=1&devices=4&microBatch=4&steps=20&warmup=5&evalEvery=0&evalWindows=8&killDevice=1@15&${brown}`,
    runs: [
      { label: 'restart, checkpoint every 4', settings: 'recovery=restart&checkpointEvery=4' },
      { label: 'restart, checkpoint every 10', settings: 'recovery=restart&checkpointEvery=10' },
      { label: 'elastic', settings: 'recovery=elastic&checkpointEvery=4' },
    ],
    answer: 'Steps redone after the kill in each run, next to the newest checkpoint it could restart from, and the devices left.',
    claim: CLAIMS.recovery,
  },
  {
    id: 'warmup',
    title: 'Warmup and clipping',
    text: [
      'At the start the model is random and its gradients can point anywhere; a large learning rate from step 1 can throw the weights so far that the loss explodes, and an exploding loss gives exploding gradients.',
      'Warmup raises the learning rate gradually over the first steps; clipping caps the gradient\'s norm, so one bad step cannot throw the weights far. Both runs use SGD (momentum 0.9) at lr 2, far above what this model takes from the first step.',
    ],
    question: 'What do warmup and clipping protect against?',
    settings: 'v=1&devices=1&optimizer=sgd&lr=2&steps=60&evalEvery=0&evalWindows=8&data=brown&backend=cpu',
    runs: [
      { label: 'no warmup, no clipping', settings: 'warmup=0&clip=0' },
      { label: 'warmup 20, clip 1', settings: 'warmup=20&clip=1' },
    ],
    answer: 'Whether each run diverged and at which step, its largest gradient norm, and its last loss against its first.',
    claim: CLAIMS.warmup,
  },
];

export const LESSON_IDS = LESSONS.map((l) => l.id);

/** The lesson of `id`, or null. */
export const lessonById = (id: string): Lesson | null => LESSONS.find((l) => l.id === id) ?? null;
