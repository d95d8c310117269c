// 1,000 concurrent route() calls against busy thresholds and a deferral queue (issue 18 item 8):
// every call ends in exactly one booking, none is booked twice or lost, and the router's load
// matches the test's model of the live bookings at every checkpoint and at the end.
import { describe, expect, it } from 'vitest';
import { KvRouter, type Booking } from 'kvbm-sequence';
import { modelView, prompts, rng, view, type ModelBooking } from '../support/router-model.js';

const bs = 4;
const workers = [1, 2, 3, 4];

describe('1,000 concurrent route() calls', () => {
  it('never double-book or lose a booking, and the load always matches the model', async () => {
    const r = new KvRouter({ blockSize: bs, seed: 3, busy: { activePrefillTokens: 48 }, whenBusy: 'defer', queueLimit: 2_000 });
    for (const w of workers) r.addWorker(w);
    const random = rng(5);
    const pool = prompts(20, bs, random);
    const live = new Map<string, ModelBooking>();
    const seen = new Set<string>();
    let checks = 0;

    const lifecycle = async (b: Booking, tokens: number[]) => {
      expect(seen.has(b.requestId)).toBe(false);
      seen.add(b.requestId);
      const m: ModelBooking = { booking: b, tokens, prefillDone: false };
      live.set(b.requestId, m);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
      r.prefillDone(b.requestId);
      m.prefillDone = true;
      await new Promise((resolve) => setImmediate(resolve));
      live.delete(b.requestId);
      r.free(b.requestId);
    };

    // Checkpoints between macrotasks, when every resolved booking's callback has run.
    const mismatches: string[] = [];
    let running = true;
    const checkpoint = () => {
      const got = JSON.stringify(view(r));
      const want = JSON.stringify(modelView(live.values(), workers, bs));
      if (got !== want) mismatches.push(`${got} != ${want}`);
      checks++;
      if (running) setImmediate(checkpoint);
    };
    setImmediate(checkpoint);

    const calls = Array.from({ length: 1_000 }, (_, i) => {
      const tokens = pool[Math.floor(random() * pool.length)] as number[];
      return r.route({ tokens, requestId: `req-${i}` }).then((b) => lifecycle(b, tokens));
    });
    expect(r.stats.queued).toBeGreaterThan(0); // the thresholds did hold some back
    await Promise.all(calls);
    running = false;
    expect(mismatches).toEqual([]);

    expect(seen.size).toBe(1_000);
    expect(r.stats.booked).toBe(1_000);
    expect(checks).toBeGreaterThan(10);
    expect([r.stats.running, r.stats.queued]).toEqual([0, 0]);
    expect(view(r)).toEqual(modelView([], workers, bs));
  });
});
