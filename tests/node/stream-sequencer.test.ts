// The stream's sequence rules (SPEC §6.5.5) without sockets: a replay answer given by hand, every
// counter worked out by hand.
import { describe, expect, it } from 'vitest';
import { BatchSequencer, type ReplayAnswer } from 'kvbm-sequence/vllm';

const payload = new Uint8Array(0);
const answer = (from: number, to: number, complete = true): ReplayAnswer => ({
  batches: Array.from({ length: to - from + 1 }, (_, i) => [BigInt(from + i), payload] as const),
  complete,
});

describe('BatchSequencer', () => {
  it('counts a gap the buffer only partly holds once: the missing front lost, the rest recovered', async () => {
    const applied: bigint[] = [];
    const s = new BatchSequencer({ apply: (seq) => applied.push(seq), clearWorker: () => {}, replay: async () => answer(21, 29) });
    for (let k = 0n; k < 10n; k++) await s.live(k, payload);
    await s.live(25n, payload); // 10..24 missing; the buffer holds 21..29
    expect(s.counters).toMatchObject({ gapBatches: 15, lostBatches: 11, recoveredBatches: 4, duplicateBatches: 0 });
    expect(applied.slice(10)).toEqual([21n, 22n, 23n, 24n, 25n]);
    expect(s.degraded).toBe(true);
  });

  it('counts what a timed-out replay did not bring as lost', async () => {
    const s = new BatchSequencer({ apply: () => {}, clearWorker: () => {}, replay: async () => answer(3, 4, false) });
    await s.live(0n, payload);
    await s.live(1n, payload);
    await s.live(8n, payload); // 2..7 missing; 3..4 came before the timeout
    expect(s.counters).toMatchObject({ gapBatches: 6, lostBatches: 4, recoveredBatches: 2 });
  });
});
