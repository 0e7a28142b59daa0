// Shared entry handling of the commands: user errors are one line and exit 2, divergence and device
// failures exit 1 with their message, anything else is a bug and shows its stack.
import { CheckpointError } from '../engine/checkpoint';
import { failureOf, RunError, USER_CODES, type RunFailure } from '../engine/errors';
import { SafetensorsError } from '../engine/safetensors';
import { UserError } from './args';

/** A failure record as the one line the CLI prints. */
export function describeFailure(f: RunFailure): string {
  if (f.code === 'ADAPTER_LIMIT') return `--backend webgpu: ${f.message}; use a smaller model or --backend cpu`;
  if (f.code === 'BACKEND') return `--backend webgpu: ${f.message}`;
  if (USER_CODES.has(f.code) || f.code === 'DIVERGED' || f.rank === null) return f.message;
  return `device ${f.rank} failed at step ${f.step} (${f.code}): ${f.message}`;
}

/** Run a command's main function with the CLI's error contract. */
export async function runMain(command: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    const oneLine = (msg: string, code: number) => {
      console.error(`npm run ${command}: ${msg.replace(/\s*\n\s*/g, ' ')}`);
      process.exit(code);
    };
    if (e instanceof UserError || e instanceof SafetensorsError || e instanceof CheckpointError) oneLine(e.message, 2);
    const f = failureOf(e, null, 0); // an error of no known kind is THREW with no device: a bug
    if (f.code !== 'THREW' || f.rank !== null) oneLine(describeFailure(f), USER_CODES.has(f.code) ? 2 : 1);
    if (e instanceof RunError) {
      console.error(`npm run ${command}: unexpected error (a bug): ${f.stack ?? f.message}`);
      process.exit(1);
    }
    throw e;
  }
}
