// Synthetic tasks generated in code, for quick demos and tests: each is a text stream of lines
//   copy:     "qfzk>qfzk\n"       reverse: "qfzk>kzfq\n"       addN: "482+39=521\n" (operands < 10^N)
// Generated from a fixed seed, so the data set does not change with the run's seed.

import { Rng } from '../rng';

const TASK_SEED = 20240601;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function word(rng: Rng, min: number, max: number): string {
  let s = '';
  const n = min + rng.int(max - min + 1);
  for (let i = 0; i < n; i++) s += LETTERS[rng.int(26)];
  return s;
}

type Line = (rng: Rng) => string;

const lines: Record<string, Line> = {
  copy: (rng) => {
    const w = word(rng, 3, 10);
    return `${w}>${w}\n`;
  },
  reverse: (rng) => {
    const w = word(rng, 3, 10);
    return `${w}>${[...w].reverse().join('')}\n`;
  },
};

function addition(digits: number): Line {
  const lim = 10 ** digits;
  return (rng) => {
    const a = rng.int(lim), b = rng.int(lim);
    return `${a}+${b}=${a + b}\n`;
  };
}

/** The generator of a task name (copy, reverse, add, add1..add9), or null if it is not a task. */
function lineOf(name: string): Line | null {
  if (Object.hasOwn(lines, name)) return lines[name];
  const m = /^add([1-9])?$/.exec(name);
  return m ? addition(m[1] ? Number(m[1]) : 3) : null;
}

/** Whether `name` is a synthetic task. */
export const isTask = (name: string): boolean => lineOf(name) !== null;

export const taskNames = ['copy', 'reverse', 'add', 'add1 .. add9'];

/** About `chars` characters of the task's text (whole lines), or null if `name` is not a task. */
export function taskText(name: string, chars = 200_000): string | null {
  const line = lineOf(name);
  if (!line) return null;
  const rng = new Rng(TASK_SEED);
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    const l = line(rng);
    parts.push(l);
    n += l.length;
  }
  return parts.join('');
}
