// Loading the PyTorch GPT fixtures (tests/fixtures/gpt-*.json, written by scripts/make_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../../src/engine/model/config';
import { numParams, paramSpecs } from '../../src/engine/model/params';

export interface GptFixture {
  config: ModelConfig; B: number; T: number; ids: number[]; targets: number[]; init: string;
  params: Record<string, number[]>; loss: number; grads: Record<string, number[]>; logits_last: number[];
  train: {
    optimizer: { lr: number; beta1: number; beta2: number; eps: number; weight_decay: number };
    schedule: { warmup: number; max_steps: number; min_lr: number }; clip: number;
    steps: { lr: number; loss: number; grad_norm: number }[]; params_after: Record<string, number[]>;
  };
}

export const fixtureNames = ['tiny', 'small', 'short'];

export function loadFixture(name: string): GptFixture {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', `gpt-${name}.json`), 'utf8')) as GptFixture;
}

/** A name -> values record flattened in paramSpecs order; throws if names or sizes differ. */
export function flatten(cfg: ModelConfig, byName: Record<string, number[]>): Float32Array {
  const specs = paramSpecs(cfg);
  const names = Object.keys(byName);
  if (names.join() !== specs.map((s) => s.name).join()) throw new Error(`fixture names differ from paramSpecs: ${names.join()}`);
  const out = new Float32Array(numParams(cfg));
  for (const s of specs) {
    if (byName[s.name].length !== s.size) throw new Error(`${s.name}: fixture has ${byName[s.name].length} values, spec ${s.size}`);
    out.set(byName[s.name], s.offset);
  }
  return out;
}
