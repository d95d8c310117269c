// KvRouter (SPEC §6.6–§6.7): one object that chooses and books. Expected costs are worked out by
// hand from the SPEC's formulas in the comments beside them, never taken from the library.
import { describe, expect, it } from 'vitest';
import { computeBlockHashes, KvRouter, RouterBusy, type Booking, type KvEvent, type KvRouterOptions, type Refusal } from 'kvbm-sequence';

const bs = 4;
const salt = 1337n;
const prompt = Array.from({ length: 16 }, (_, i) => i + 1); // 4 blocks
const other = Array.from({ length: 16 }, (_, i) => 100 + i);

/** Worker `w` caches the first `n` blocks of `tokens` (on `tier`, default device). */
function cached(w: number, tokens: number[], n: number, tier?: 'host' | 'disk'): KvEvent {
  const local = [...computeBlockHashes(tokens, bs, salt)].slice(0, n);
  return {
    type: 'stored',
    workerId: w,
    parentHash: null,
    blocks: local.map((h, i) => ({ blockHash: BigInt(1000 * w + i), tokensHash: h })),
    ...(tier ? { tier } : {}),
  };
}

function router(options: Partial<KvRouterOptions> = {}, workers = [1, 2]): KvRouter & { clock: { t: number } } {
  const clock = { t: 0 };
  const r = new KvRouter({ blockSize: bs, seed: 7, clock: () => clock.t, ...options }) as KvRouter & { clock: { t: number } };
  r.clock = clock;
  for (const w of workers) r.addWorker(w);
  return r;
}

const booked = (b: Booking | Refusal): Booking => {
  if (b.refused) throw new Error(`refused: ${b.message}`);
  return b;
};

describe('choosing and booking (classic cost, SPEC §6.4)', () => {
  it('books the worker with the cheapest cost and reports every candidate', async () => {
    const r = router();
    r.applyEvents([cached(1, prompt, 3)]);
    const b = await r.route({ tokens: prompt, requestId: 'a' });
    // w1: (16 − 3·4)/4 + 4 new blocks = 5; w2: 16/4 + 4 = 8.
    expect(b.workerId).toBe(1n);
    expect(b.overlapBlocks).toBe(3);
    expect(b.prefillTokens).toBe(4);
    expect(b.costs.map((c) => c.cost)).toEqual([5, 8]);
    expect(b.requestId).toBe('a');
  });

  it('counts a booking in the load of the next decision at once', async () => {
    const r = router();
    r.applyEvents([cached(1, prompt, 3)]);
    await r.route({ tokens: prompt });
    const second = r.probe({ tokens: prompt });
    // w1 now queues 4 prefill tokens and holds the 4 blocks: (16 − 12 + 4)/4 + 4 = 6; w2 still 8.
    expect(second.refused ? [] : second.costs.map((c) => c.cost)).toEqual([6, 8]);
    const w1 = r.workers()[0];
    expect([w1?.activeBlocks, w1?.prefillTokens, w1?.bookings]).toEqual([4, 4, 1]);
  });

  it('prefillDone takes the prefill tokens off and free takes the blocks off', async () => {
    const r = router();
    const b = await r.route({ tokens: prompt, requestId: 'x' });
    r.prefillDone('x');
    expect(r.workers().find((w) => w.workerId === b.workerId)?.prefillTokens).toBe(0);
    r.free('x');
    expect(r.workers().map((w) => w.activeBlocks)).toEqual([0, 0]);
  });

  it('probe books nothing', () => {
    const r = router();
    r.probe({ tokens: prompt });
    expect(r.workers().map((w) => w.bookings)).toEqual([0, 0]);
  });

  it('takes precomputed local block hashes instead of tokens', async () => {
    const r = router();
    r.applyEvents([cached(2, prompt, 4)]);
    const b = await r.route({ blockHashes: computeBlockHashes(prompt, bs, salt) });
    expect([b.workerId, b.overlapBlocks, b.isl]).toEqual([2n, 4, 16]);
  });

  it('round-robin and random policies ignore the cache', async () => {
    const r = router({ policy: 'round-robin' });
    r.applyEvents([cached(1, prompt, 4)]);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await r.route({ tokens: prompt })).workerId);
    expect(ids).toEqual([1n, 2n, 1n, 2n]);
  });

  it('a worker marked unhealthy is no candidate until marked healthy', async () => {
    const r = router();
    r.applyEvents([cached(1, prompt, 4)]);
    r.markUnhealthy(1);
    expect((await r.route({ tokens: prompt })).workerId).toBe(2n);
    r.markHealthy(1);
    expect((await r.route({ tokens: other })).costs).toHaveLength(2);
  });
});

describe("Dynamo's newest cost (SPEC §6.6.1)", () => {
  it('credits host-tier blocks with hostCacheHitWeight', () => {
    const r = router({ costModel: 'newest' });
    r.applyEvents([cached(1, prompt, 1), cached(1, prompt, 3, 'host')]);
    const d = r.probe({ tokens: prompt });
    // w1: raw 16/4 = 4, credit 1·1 + 0.75·2 = 2.5 → 1.5, + 4 decode = 5.5; w2: 4 + 4 = 8.
    expect(d.refused ? [] : d.costs.map((c) => c.cost)).toEqual([5.5, 8]);
    expect(d.refused ? undefined : d.tiers).toEqual({ device: 1, host: 2, disk: 0, predicted: 0 });
  });

  it('floors the prefill term at zero when the credit exceeds it', () => {
    const r = router({ costModel: 'newest', overlapScoreCredit: 3 });
    r.applyEvents([cached(1, prompt, 2)]);
    const d = r.probe({ tokens: prompt });
    // w1: max(4 − 3·2, 0) + 4 = 4; w2: 4 + 4 = 8.
    expect(d.refused ? [] : d.costs.map((c) => c.cost)).toEqual([4, 8]);
  });

  it('prefillLoadScale weighs the prefill term', () => {
    const r = router({ prefillLoadScale: 2 });
    const d = r.probe({ tokens: prompt });
    // 2 · 16/4 + 4 = 12 on both.
    expect(d.refused ? [] : d.costs.map((c) => c.cost)).toEqual([12, 12]);
  });

  it('temperature samples: a seeded router repeats its choices', () => {
    const pick = () => {
      const r = router({ temperature: 1, seed: 42 });
      r.applyEvents([cached(1, prompt, 2)]);
      return Array.from({ length: 20 }, () => {
        const d = r.probe({ tokens: prompt });
        return d.refused ? 0n : d.workerId;
      });
    };
    const a = pick();
    expect(pick()).toEqual(a);
    expect(new Set(a).size).toBe(2); // both get drawn with T = 1
  });
});

describe('busy workers (SPEC §6.6.2–§6.6.3)', () => {
  it('refuses with RouterBusy and retryAfterMs when every worker is busy', async () => {
    const r = router({ busy: { activePrefillTokens: 10 }, retryAfterMs: 250 });
    await r.route({ tokens: prompt, requestId: 'a' }); // 16 prefill tokens > 10
    await r.route({ tokens: other, requestId: 'b' });
    const refusal = await r.route({ tokens: prompt }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RouterBusy);
    expect([(refusal as RouterBusy).reason, (refusal as RouterBusy).retryAfterMs]).toEqual(['allOverloaded', 250]);
    expect(r.stats.refused.allOverloaded).toBe(1);
  });

  it('a busy worker leaves the candidates before scoring', async () => {
    const r = router({ busy: { activePrefillTokens: 10 } });
    r.applyEvents([cached(1, prompt, 1)]);
    await r.route({ tokens: prompt }); // w1 (cheaper): 12 prefill tokens queued
    const d = r.probe({ tokens: prompt });
    expect(d.refused ? [] : d.costs.map((c) => c.workerId)).toEqual([2n]);
  });

  it('the decode-block threshold is a fraction of the blocks a worker reported', async () => {
    const r = router({ busy: { activeDecodeBlocks: 0.5 } });
    r.addWorker(1, { totalKvBlocks: 6 });
    await r.route({ tokens: prompt, workerId: 1 }); // 4 / 6 > 0.5
    const d = r.probe({ tokens: prompt });
    expect(d.refused ? [] : d.costs.map((c) => c.workerId)).toEqual([2n]);
  });

  it('defers when asked and books when a free makes room', async () => {
    const r = router({ busy: { activePrefillTokens: 10 }, whenBusy: 'defer' });
    await r.route({ tokens: prompt, requestId: 'a' });
    await r.route({ tokens: other, requestId: 'b' });
    let done: Booking | undefined;
    const waiting = r.route({ tokens: prompt, requestId: 'c' }).then((b) => (done = b));
    await Promise.resolve();
    expect([done, r.stats.queued]).toEqual([undefined, 1]);
    r.free('a');
    await waiting;
    expect(done?.requestId).toBe('c');
    expect(r.stats.queued).toBe(0);
  });

  it('wspt releases the shortest weighted request first, fcfs the earliest', async () => {
    for (const [policy, first] of [
      ['fcfs', 'long'],
      ['wspt', 'short'],
    ] as const) {
      const r = router({ busy: { activePrefillTokens: 10 }, whenBusy: 'defer', queuePolicy: policy }, [1]);
      await r.route({ tokens: prompt, requestId: 'a' });
      const order: string[] = [];
      const long = r.route({ tokens: [...prompt, ...other], requestId: 'long' }).then((b) => order.push(b.requestId));
      r.clock.t = 10;
      const short = r.route({ tokens: [1, 2, 3, 4], requestId: 'short' }).then((b) => order.push(b.requestId));
      r.free('a');
      await Promise.resolve();
      await Promise.resolve();
      expect(order[0]).toBe(first);
      r.free(first);
      await Promise.all([long, short]);
    }
  });

  it('a full queue refuses with queueFull', async () => {
    const r = router({ busy: { activePrefillTokens: 10 }, whenBusy: 'defer', queueLimit: 1 }, [1]);
    await r.route({ tokens: prompt });
    const waiting = r.route({ tokens: prompt }).catch((e: Error) => e.message);
    await expect(r.route({ tokens: prompt })).rejects.toMatchObject({ reason: 'queueFull' });
    await r.close();
    expect(await waiting).toMatch(/closed/);
  });
});

describe('session affinity (SPEC §6.7.1)', () => {
  it('pins a session to the worker of its first booking', async () => {
    const r = router({ affinity: { ttlMs: 1000 } });
    const first = await r.route({ tokens: other, sessionId: 's' });
    r.applyEvents([cached(first.workerId === 1n ? 2 : 1, prompt, 4)]); // the other worker is now cheaper
    expect((await r.route({ tokens: prompt, sessionId: 's' })).workerId).toBe(first.workerId);
  });

  it('hard affinity refuses when the pinned worker is busy; soft rebinds', async () => {
    for (const mode of ['hard', 'soft'] as const) {
      const r = router({ affinity: { ttlMs: 1000, mode }, busy: { activePrefillTokens: 10 } });
      const first = await r.route({ tokens: prompt, sessionId: 's' });
      const next = r.tryRoute({ tokens: other, sessionId: 's' });
      if (mode === 'hard') expect(next).toMatchObject({ refused: true, reason: 'pinnedOverloaded' });
      else expect(booked(next).workerId).not.toBe(first.workerId);
    }
  });

  it('a binding lapses after ttlMs of idleness, counted from the end of its last request', async () => {
    const r = router({ affinity: { ttlMs: 1000 } });
    const first = await r.route({ tokens: other, sessionId: 's', requestId: 'a' });
    const elsewhere = first.workerId === 1n ? 2 : 1;
    r.applyEvents([cached(elsewhere, prompt, 4)]);
    r.clock.t = 5000; // running: the binding holds however long it runs
    expect(r.probe({ tokens: prompt, sessionId: 's' })).toMatchObject({ workerId: first.workerId });
    r.free('a');
    r.clock.t = 5999;
    expect(r.probe({ tokens: prompt, sessionId: 's' })).toMatchObject({ workerId: first.workerId });
    r.clock.t = 6001;
    expect(r.probe({ tokens: prompt, sessionId: 's' })).toMatchObject({ workerId: BigInt(elsewhere) });
  });

  it('a session whose worker is removed selects afresh', async () => {
    const r = router({ affinity: { ttlMs: 1000 } });
    const first = await r.route({ tokens: prompt, sessionId: 's' });
    r.removeWorker(first.workerId);
    expect((await r.route({ tokens: prompt, sessionId: 's' })).workerId).not.toBe(first.workerId);
  });
});

describe('predicted entries and approximate mode (SPEC §6.7.2)', () => {
  it('a booking predicts the prefix on its worker until predictedTtlMs passes', async () => {
    const r = router({ predictedTtlMs: 5000 });
    const first = await r.route({ tokens: prompt, requestId: 'a' });
    r.free('a');
    const d = r.probe({ tokens: prompt });
    expect(d).toMatchObject({ workerId: first.workerId, overlapBlocks: 4, tiers: { device: 0, predicted: 4 } });
    r.clock.t = 5001;
    expect(r.probe({ tokens: prompt })).toMatchObject({ overlapBlocks: 0 });
  });

  it('exact events and predictions combine as the larger of the two', async () => {
    const r = router({ predictedTtlMs: 5000 });
    const first = await r.route({ tokens: prompt, requestId: 'a' });
    r.applyEvents([cached(Number(first.workerId), prompt, 2)]);
    expect(r.probe({ tokens: prompt, workerId: first.workerId })).toMatchObject({ overlapBlocks: 4, tiers: { device: 2, predicted: 4 } });
  });

  it('approximate mode records decisions and prunes to the target ratio past maxTreeSize', async () => {
    const r = router({ mode: 'approximate', maxTreeSize: 8, pruneTargetRatio: 0.5 }, [1]);
    let last: Booking | undefined;
    for (let i = 0; i < 5; i++) {
      r.clock.t = i;
      last = await r.route({ tokens: prompt.map((t) => t + 1000 * i) });
      expect(r.index.size).toBeLessThanOrEqual(8);
    }
    r.clock.t = 10;
    const newest = { tokens: prompt.map((t) => t + 4000), workerId: last?.workerId };
    expect(r.probe(newest)).toMatchObject({ overlapBlocks: 4 }); // the newest record is kept
    expect(r.probe({ ...newest, tokens: prompt })).toMatchObject({ overlapBlocks: 0 }); // the oldest was pruned
  });
});

describe('bookings a caller forgets expire (SPEC §6.6.4)', () => {
  it('after bookingTtlMs', async () => {
    const r = router({ bookingTtlMs: 1000 });
    await r.route({ tokens: prompt, requestId: 'a' });
    r.clock.t = 1001;
    expect(r.sweep()).toBe(1);
    expect(r.stats.expired).toBe(1);
    expect(() => r.free('a')).toThrow(/no booking a/);
    expect(r.workers().map((w) => w.activeBlocks)).toEqual([0, 0]);
  });
});

describe('bad input changes nothing (issue 18 item 8)', () => {
  const snapshot = (r: KvRouter) => JSON.stringify({ w: r.workers(), s: { ...r.stats, refused: 0 } });

  it('no workers: a typed refusal', async () => {
    const r = router({}, []);
    await expect(r.route({ tokens: prompt })).rejects.toMatchObject({ name: 'RouterBusy', reason: 'noWorkers' });
  });

  it('an unknown or double free is a RangeError', async () => {
    const r = router();
    await r.route({ tokens: prompt, requestId: 'a' });
    r.free('a');
    const before = snapshot(r);
    expect(() => r.free('a')).toThrow(RangeError);
    expect(() => r.prefillDone('nope')).toThrow(RangeError);
    expect(snapshot(r)).toBe(before);
  });

  it('a request id booked twice is refused', async () => {
    const r = router();
    await r.route({ tokens: prompt, requestId: 'a' });
    await expect(r.route({ tokens: other, requestId: 'a' })).rejects.toThrow(/booked already/);
    expect(r.stats.running).toBe(1);
  });

  it.each([
    [{ blockSize: 0 }, /blockSize/],
    [{ blockSize: 4, temperature: Number.NaN }, /options.temperature/],
    [{ blockSize: 4, prefillLoadScale: -1 }, /options.prefillLoadScale/],
    [{ blockSize: 4, policy: 'fastest' }, /options.policy/],
    [{ blockSize: 4, affinity: { ttlMs: -5 } }, /options.affinity.ttlMs/],
    [{ blockSize: 4, busy: { activeDecodeBlocks: 2 } }, /options.busy.activeDecodeBlocks/],
    [{ blockSize: 4, tempreature: 1 }, /tempreature is not a KvRouter option/],
  ])('options %j are refused by name', (options, message) => {
    expect(() => new KvRouter(options as unknown as KvRouterOptions)).toThrow(message);
  });

  it('hashes of the wrong width and malformed requests are refused before anything is booked', async () => {
    const r = router();
    const before = snapshot(r);
    await expect(r.route({ blockHashes: [2n ** 64n] })).rejects.toThrow(/blockHashes\[0\]/);
    await expect(r.route({ tokens: [1.5] })).rejects.toThrow(/tokens/);
    await expect(r.route({} as never)).rejects.toThrow(/tokens .* or blockHashes/);
    await expect(r.route({ tokens: prompt, workerId: 99 })).rejects.toThrow(/unknown worker 99/);
    await expect(r.route({ tokens: prompt, sessionId: 'x'.repeat(300) })).rejects.toThrow(/sessionId/);
    expect(snapshot(r)).toBe(before);
  });

  it('a 10^6-token prompt routes and frees like any other', async () => {
    const r = router();
    const big = Uint32Array.from({ length: 1_000_000 }, (_, i) => i);
    const b = await r.route({ tokens: big, requestId: 'big' });
    expect(r.workers().find((w) => w.workerId === b.workerId)?.activeBlocks).toBe(250_000);
    r.free('big');
    expect(r.stats.running).toBe(0);
  });
});
