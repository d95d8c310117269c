// The library against the reference model (tests/model), in Node.
import { describe, it } from 'vitest';
import * as lib from 'kvbm-sequence';
import { properties } from './properties';
import { prepareXxh3, xxh3 } from '../support/oracle-xxh3';

// Fixed seed by default so CI is repeatable; FC_SEED=random explores, FC_RUNS scales.
const seed = process.env.FC_SEED === 'random' ? undefined : Number(process.env.FC_SEED ?? 20261124);
const runs = Number(process.env.FC_RUNS ?? 2000);

const env = {
  lib,
  async xxh3For(seeds: bigint[]) {
    await prepareXxh3(...seeds, 1337n, 0n);
    return xxh3;
  },
};

describe('differential: library = reference model', () => {
  for (const p of properties) {
    it(p.name, () => p.run(env, Math.max(1, Math.round(runs * p.weight)), seed), 600_000);
  }
});
