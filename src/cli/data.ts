// --data FILE|task-name -> a Dataset (Node only: reads files). `brown` is the default English corpus.
import { readFileSync, statSync } from 'node:fs';
import { makeDataset, type Dataset } from '../engine/data/dataset';
import { isTask, taskNames, taskText } from '../engine/data/tasks';
import { decodeText, TextDataError } from '../engine/data/text';
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
  // Read as bytes and decoded strictly: readFileSync(spec, 'utf8') would turn bad bytes into U+FFFD, which
  // cannot be told apart from a U+FFFD written in the file.
  let text: string;
  try {
    text = decodeText(readFileSync(spec));
  } catch (e) {
    if (!(e instanceof TextDataError)) throw e;
    throw new UserError(`--data: ${spec} ${e.message}`);
  }
  if (text.length === 0) throw new UserError(`--data: ${spec} is empty`);
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
