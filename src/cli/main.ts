// Shared entry handling of the commands: user errors are one line and exit 2, divergence exits 1 with its
// message, anything else is a bug and shows its stack.
import { AdapterLimitError } from '../engine/backend/webgpu/limit-error';
import { CheckpointError } from '../engine/checkpoint';
import { ConfigError } from '../engine/config';
import { DataError } from '../engine/data/dataset';
import { MemoryBudgetError } from '../engine/memory';
import { SafetensorsError } from '../engine/safetensors';
import { DivergenceError } from '../engine/train/loop';
import { UserError } from './args';

/** Run a command's main function with the CLI's error contract. */
export async function runMain(command: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (e instanceof UserError || e instanceof DataError || e instanceof ConfigError || e instanceof MemoryBudgetError || e instanceof SafetensorsError || e instanceof CheckpointError) {
      console.error(`npm run ${command}: ${e.message.replace(/\s*\n\s*/g, ' ')}`);
      process.exit(2);
    }
    if (e instanceof AdapterLimitError) {
      console.error(`npm run ${command}: --backend webgpu: ${e.message}; use a smaller model or --backend cpu`);
      process.exit(2);
    }
    if (e instanceof DivergenceError) {
      console.error(`npm run ${command}: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
