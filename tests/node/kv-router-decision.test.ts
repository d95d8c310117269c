// KvRouter's decision (one call into WebAssembly, SPEC §6.6) against the SPEC's newest cost
// computed here from first principles: each worker's overlap from the prefixes the test stored
// (device, host, disk), its load from the bookings the test made, and §6.6.1's formula. Random
// worlds, several seeds; nothing of the expected side comes from the library.
import { describe, expect, it } from 'vitest';
import { chainBlockHashes, KvRouter, type Booking, type KvEvent } from 'kvbm-sequence';
import { rng } from '../support/router-model';

const BS = 4;
const WORKERS = [1, 2, 3, 4];
const TIERS = ['device', 'host', 'disk'] as const;
type Tier = (typeof TIERS)[number];

/** Length of the common prefix of two hash lists. */
function common(a: readonly bigint[], b: readonly bigint[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

describe('a routing decision equals the SPEC cost of what the router was told', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`random world ${seed}: every candidate's cost and the choice`, () => {
      const random = rng(seed);
      const int = (n: number) => Math.floor(random() * n);
      // Three documents of 12 local hashes; a prompt is a document's prefix and a tail of its own.
      const docs = [0, 1, 2].map((d) => Array.from({ length: 12 }, (_, i) => BigInt(1_000 * (d + 1) + i)));
      const router = new KvRouter({ blockSize: BS, seed, costModel: 'newest', overlapScoreCreditDecay: 0.5 });
      for (const w of WORKERS) router.addWorker(w);

      // What each worker holds, per tier: the prefixes stored there.
      const held = new Map<string, bigint[][]>();
      for (let e = 0; e < 12; e++) {
        const w = WORKERS[int(WORKERS.length)] as number;
        const tier = TIERS[int(3)] as Tier;
        const prefix = (docs[int(3)] as bigint[]).slice(0, 1 + int(12));
        const event: KvEvent = {
          type: 'stored',
          workerId: w,
          parentHash: null,
          // An engine names a block by its content and what precedes it; each document hash
          // appears at one position only, so the hash and the worker name it here.
          blocks: prefix.map((h) => ({ blockHash: BigInt(w) * 10_000_000n + h, tokensHash: h })),
          ...(tier === 'device' ? {} : { tier }),
        };
        router.applyEvents([event]);
        const key = `${w}/${tier}`;
        held.set(key, [...(held.get(key) ?? []), prefix]);
      }

      // Bookings the test keeps track of: per worker, the chained hashes and queued prefill.
      const active = new Map<number, { blocks: Set<bigint>[]; prefill: number[] }>(WORKERS.map((w) => [w, { blocks: [], prefill: [] }]));
      const prompt = (): bigint[] => [
        ...(docs[int(3)] as bigint[]).slice(0, int(12)),
        ...Array.from({ length: 1 + int(4) }, () => BigInt(900_000 + int(1_000_000))),
      ];
      for (let round = 0; round < 30; round++) {
        const local = prompt();
        const isl = local.length * BS - int(BS);
        const reach = (w: number, tier: Tier) => Math.max(0, ...(held.get(`${w}/${tier}`) ?? []).map((p) => common(p, local)));
        const sequence = [...chainBlockHashes(local)];
        const expected = WORKERS.map((w) => {
          const device = reach(w, 'device');
          const host = Math.max(device, reach(w, 'host'));
          const disk = Math.max(host, reach(w, 'disk'));
          const a = active.get(w) as { blocks: Set<bigint>[]; prefill: number[] };
          const union = new Set<bigint>();
          for (const s of a.blocks) for (const h of s) union.add(h);
          for (const h of sequence) union.add(h);
          return { device, host: host - device, disk: disk - host, prefill: a.prefill.reduce((x, y) => x + y, 0), decode: union.size };
        });
        // SPEC §6.6.1 with credit 1, decay 0.5, scale 1, host 0.75, disk 0.25.
        const requestBlocks = Math.max(1, Math.ceil(isl / BS));
        const least = Math.min(...expected.map((e) => e.prefill));
        const costs = expected.map((e) => {
          const excess = Math.max(0, e.prefill - least) / BS;
          const decay = 1 / (1 + (0.5 * excess) / requestBlocks);
          const credit = decay * e.device + 0.75 * e.host + 0.25 * e.disk;
          return Math.max(0, (e.prefill + isl) / BS - credit) + e.decode;
        });

        const b = router.tryRoute({ blockHashes: local, isl });
        expect(b.refused).toBe(false);
        const booking = b as Booking;
        expect(booking.costs.map((c) => c.cost)).toEqual(costs.map((c) => expect.closeTo(c, 9)));
        expect(booking.costs.map((c) => c.overlapBlocks)).toEqual(expected.map((e) => e.device));
        const chosen = WORKERS.indexOf(Number(booking.workerId));
        expect(costs[chosen]).toBeCloseTo(Math.min(...costs), 9);
        const e = expected[chosen] as (typeof expected)[number];
        expect(booking.tiers).toEqual({ device: e.device, host: e.host, disk: e.disk, predicted: 0 });
        expect(booking.prefillTokens).toBe(Math.max(0, isl - e.device * BS));

        // Keep, finish the prefill of, or free the booking, as a gateway would.
        const a = active.get(Number(booking.workerId)) as { blocks: Set<bigint>[]; prefill: number[] };
        const choice = int(3);
        if (choice === 0) router.free(booking.requestId);
        else {
          a.blocks.push(new Set(sequence));
          a.prefill.push(choice === 1 ? 0 : booking.prefillTokens);
          if (choice === 1) router.prefillDone(booking.requestId);
        }
      }
      void router.close();
    });
  }
});
