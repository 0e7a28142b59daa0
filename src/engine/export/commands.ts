// The shell commands that continue a run in nanoGPT, run from nanoGPT's root after the converter:
//   torchrun --standalone --nproc_per_node=N train.py config/<name>.py     N CUDA GPUs, one per device
//   python train.py config/<name>.py --device=cpu --compile=False --dtype=float32     no GPU
// nanoGPT's DDP path needs CUDA (it calls torch.cuda.set_device and uses NCCL), so the CPU command is one
// process; it accumulates all N*K micro-batches itself, the same global batch. On the CPU the overrides
// are needed: device defaults to 'cuda', compile to True (torch.compile needs PyTorch 2 and a compiler),
// and dtype 'float32' because train.py autocasts only on CUDA (a float16 GradScaler would be disabled).

import type { RunConfig } from '../config';
import { bundleName } from './name';

/** `torchrun` for `nproc` processes (default: one per device). Throws RangeError when nproc does not
 *  divide devices x accum (train.py asserts that it divides gradient_accumulation_steps). */
export function torchrunCommand(c: Pick<RunConfig, 'devices' | 'accum' | 'data'>, name = bundleName(c.data), nproc = c.devices): string {
  const steps = c.devices * c.accum;
  if (!(Number.isInteger(nproc) && nproc >= 1 && steps % nproc === 0)) {
    throw new RangeError(`--nproc_per_node=${nproc} must divide gradient_accumulation_steps = devices x accum = ${steps}`);
  }
  return `torchrun --standalone --nproc_per_node=${nproc} train.py config/${name}.py`;
}

/** The one-process command for a machine without CUDA (see the legend for each override). */
export const cpuCommand = (name: string): string => `python train.py config/${name}.py --device=cpu --compile=False --dtype=float32`;

/** The converter's command, run from nanoGPT's root; `bundleDir` is where the bundle was unpacked. */
export const converterCommand = (bundleDir: string): string => `python ${shellWord(`${bundleDir.replace(/\/+$/, '')}/to_nanogpt.py`)}`;

/** A path as one shell word: unchanged when it has no special characters, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
