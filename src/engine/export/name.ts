// The bundle's name: nanoGPT's dataset name, the config file name (config/<name>.py), the data directory
// (data/<name>/) and, as out-<name>, the directory nanoGPT resumes from. One path segment, safe in a
// Python string and a shell command without quoting.

import { ExportError } from './errors';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;

/** The default name of a run's bundle from its data setting: `ringlab_brown`, `ringlab_add3`, or for a
 *  text file its base name without extension (`runs/my text.txt` -> `ringlab_my_text`). */
export function bundleName(data: string): string {
  const base = data.split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '') || 'data';
  return `ringlab_${base.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
}

/** `name` when it is a valid bundle name; throws ExportError NAME saying what is allowed. */
export function checkName(name: string): string {
  if (!NAME.test(name)) throw new ExportError('NAME', `name '${name}' must be 1 to 64 letters, digits, '_' or '-' (not starting with '-'): it names config/<name>.py and data/<name>/`);
  return name;
}

/** nanoGPT's out_dir for a bundle: where the converter writes ckpt.pt and train.py resumes and saves. */
export const outDirOf = (name: string): string => `out-${name}`;
