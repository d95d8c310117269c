// A simulated engine under many concurrent streams: every request's KV events go out on the one
// ZeroMQ publisher socket, which takes one send at a time — a burst of them must queue, in order,
// and never fail a request.
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, stopAll, streamCompletion, type Outcome } from '../support/cluster';

afterEach(async () => {
  await stopAll();
});

describe('a simulated engine under load', () => {
  it('answers 3,000 requests over 200 concurrent streams, publishing every batch of KV events, without an error', async () => {
    const engine = await startEngine(0, ['--block-size', '16', '--g1-tokens', '400000', '--prefill-tps', '100000000', '--decode-ms', '1']);
    // 200 streams at a time, 3,000 requests in all: new blocks (and events) for every one.
    let next = 0;
    const outcomes: Outcome[] = [];
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        for (let i = next++; i < 3_000; i = next++) {
          outcomes.push(
            await streamCompletion(
              engine.url,
              Array.from({ length: 256 }, (_, j) => i * 1000 + j),
              4,
            ),
          );
        }
      }),
    );
    expect(outcomes.filter((o) => !o.ok).map((o) => o.status)).toEqual([]);
  }, 60_000);
});
