// Browser side of the differential suite: the same properties as in Node, against the built
// browser bundle (aliased to 'kvbm-sequence' by the test's bundler call).
import * as lib from 'kvbm-sequence';
import { properties } from '../differential/properties';
import { prepareXxh3, xxh3 } from '../support/oracle-xxh3';

interface Outcome {
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

const params = new URL(location.href).searchParams;
const runs = Number(params.get('runs') ?? 100);
const seed = Number(params.get('seed') ?? 20261124);
// A fixed, varied set of salts: every oracle hasher is a WebAssembly instance.
const salts = [
  0n,
  1n,
  1337n,
  20n,
  0xffff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0x0123_4567_89ab_cdefn,
  0xdead_beefn,
  2n ** 32n,
  0xfedc_ba98_7654_3210n,
];
const env = {
  lib,
  salts,
  async xxh3For(seeds: bigint[]) {
    await prepareXxh3(...seeds, 1337n, 0n);
    return xxh3;
  },
};

(async () => {
  await lib.init();
  const results: Outcome[] = [];
  for (const p of properties) {
    const t0 = performance.now();
    try {
      await p.run(env, Math.max(1, Math.round(runs * p.weight)), seed);
      results.push({ name: p.name, ok: true, ms: performance.now() - t0 });
    } catch (e) {
      results.push({ name: p.name, ok: false, error: String((e as Error)?.stack ?? e), ms: performance.now() - t0 });
    }
  }
  (window as unknown as { __result: Outcome[] }).__result = results;
})().catch((e) => {
  (window as unknown as { __error: string }).__error = String((e as Error)?.stack ?? e);
});
