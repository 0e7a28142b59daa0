// --data FILE|task-name -> a Dataset (Node only: reads files). `brown` is the default English corpus.
import { readFileSync, statSync } from 'node:fs';
import { makeDataset, type Dataset } from '../engine/data/dataset';
import { isTask, taskNames, taskText } from '../engine/data/tasks';
import type { CharTokenizer } from '../engine/data/tokenizer';
import { UserError } from './args';
import { brownText } from './corpus';

/** The text named by --data. */
export function loadText(spec: string): string {
  if (spec === 'brown') return brownText();
  if (isTask(spec)) return taskText(spec)!;
  let st;
  try {
    st = statSync(spec);
  } catch {
    throw new UserError(`--data: '${spec}' is neither a file nor a task (brown, ${taskNames.join(', ')})`);
  }
  if (!st.isFile()) throw new UserError(`--data: ${spec} is not a file`);
  if (st.size > 256 * 2 ** 20) throw new UserError(`--data: ${spec} is ${Math.round(st.size / 2 ** 20)} MB, more than the 256 MB limit`);
  const text = readFileSync(spec, 'utf8');
  if (text.length === 0) throw new UserError(`--data: ${spec} is empty`);
  if (text.includes('\u0000') || text.includes('\ufffd')) throw new UserError(`--data: ${spec} is not UTF-8 text`);
  return text;
}

/** Dataset of --data (own vocabulary, or `tokenizer`'s, e.g. a trained model's). */
export function loadData(spec: string, tokenizer?: CharTokenizer): Dataset {
  const text = loadText(spec);
  try {
    return makeDataset(spec, text, 0.1, tokenizer);
  } catch (e) {
    const msg = (e as Error).message;
    throw new UserError(`--data: ${tokenizer ? msg.replace('the vocabulary', "the model's vocabulary") : msg}`);
  }
}
