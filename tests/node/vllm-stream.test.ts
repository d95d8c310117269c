// VllmStream on real ZeroMQ sockets (127.0.0.1) against a fault-injecting publisher that serves
// vLLM's replay protocol: after each scenario the streamed index equals a model index fed the
// complete stream where recovery was possible, and the documented policy's state with the right
// counters where it was not (SPEC §6.5.5).
import { encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { KvIndex } from 'kvbm-sequence';
import { VllmStream, decodeVllmBatch, type StreamReport } from 'kvbm-sequence/vllm';
import { FaultPublisher } from '../support/fault-publisher';

const WORKER = 5;
const source = { workerId: WORKER, blockSize: 4 };

/** Batch k stores block k + 1 under block k; every 9th batch also removes an older block. */
function batch(k: number): Uint8Array {
  const events: unknown[] = [
    {
      type: 'BlockStored',
      block_hashes: [BigInt(k + 1)],
      parent_block_hash: k === 0 ? null : BigInt(k),
      token_ids: [4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3],
      block_size: 4,
      lora_id: null,
      medium: 'GPU',
      lora_name: null,
    },
  ];
  if (k % 9 === 8) events.push({ type: 'BlockRemoved', block_hashes: [BigInt(k - 3)], medium: 'GPU' });
  return encode({ ts: k, events }, { useBigInt64: true });
}

/** The index a consumer that saw exactly `payloads`, in order, would hold. */
function model(payloads: Uint8Array[]): string[] {
  using index = new KvIndex();
  for (const p of payloads) index.applyEvents(decodeVllmBatch(p, source).events);
  return state(index);
}

const state = (index: KvIndex): string[] =>
  index
    .dump()
    .map((e) => JSON.stringify(e))
    .sort();

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const open: Array<{ close(): Promise<void> }> = [];
const indexes: KvIndex[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  for (const i of indexes.splice(0)) i.free();
});

async function setUp(
  options: { bufferSteps?: number; replay?: boolean; onLostEvents?: 'keep' | 'clearWorker'; replayTimeoutMs?: number } = {},
) {
  const publisher = await new FaultPublisher(options.bufferSteps).start();
  const index = new KvIndex();
  const reports: StreamReport[] = [];
  const stream = await VllmStream.connect({
    ...source,
    endpoint: publisher.endpoint,
    replayEndpoint: options.replay === false ? undefined : publisher.replayEndpoint,
    sink: index,
    onLostEvents: options.onLostEvents,
    replayTimeoutMs: options.replayTimeoutMs ?? 1000,
    onReport: (r) => reports.push(r),
  });
  open.push(stream, publisher);
  indexes.push(index);
  await new Promise((r) => setTimeout(r, 150)); // the SUB socket joins before the first batch
  return { publisher, index, stream, reports };
}

const payloads = (from: number, to: number): Uint8Array[] => Array.from({ length: to - from }, (_, i) => batch(from + i));

describe('VllmStream over real sockets', () => {
  it('applies a clean stream in order', async () => {
    const { publisher, index, stream } = await setUp();
    for (const p of payloads(0, 50)) await publisher.publish(p);
    await until(() => stream.stats.lastSeq === 49n, 'seq 49');
    expect(state(index)).toEqual(model(payloads(0, 50)));
    expect([stream.stats.appliedBatches, stream.stats.gapBatches, stream.stats.degraded]).toEqual([50, 0, false]);
  });

  it('recovers dropped batches through the replay socket, in order', async () => {
    const { publisher, index, stream } = await setUp();
    for (let k = 0; k < 40; k++) await publisher.publish(batch(k), { drop: k >= 10 && k < 15 });
    await until(() => stream.stats.lastSeq === 39n, 'seq 39');
    expect(state(index)).toEqual(model(payloads(0, 40)));
    const s = stream.stats;
    expect([s.gapBatches, s.recoveredBatches, s.lostBatches, s.degraded]).toEqual([5, 5, 0, false]);
  });

  it('ignores and counts a batch the replay sends twice', async () => {
    const { publisher, index, stream } = await setUp();
    publisher.duplicateInReplay = 12;
    for (let k = 0; k < 20; k++) await publisher.publish(batch(k), { drop: k >= 10 && k < 15 });
    await until(() => stream.stats.lastSeq === 19n, 'seq 19');
    expect(state(index)).toEqual(model(payloads(0, 20)));
    expect(stream.stats.duplicateBatches).toBe(1);
  });

  it('takes a reordered live batch for a restart, clears the worker and rebuilds it from the replay', async () => {
    const { publisher, index, stream, reports } = await setUp();
    for (let k = 0; k < 10; k++) await publisher.publish(batch(k));
    await publisher.publish(batch(10), { drop: true });
    await publisher.publish(batch(11), { drop: true });
    await publisher.sendAs(11, batch(11)); // 11 before 10
    await publisher.sendAs(10, batch(10));
    for (let k = 12; k < 20; k++) await publisher.publish(batch(k));
    await until(() => stream.stats.lastSeq === 19n, 'seq 19');
    expect(state(index)).toEqual(model(payloads(0, 20)));
    expect([stream.stats.resets, stream.stats.joinedLate]).toEqual([1, 1]);
    expect(reports.map((r) => r.kind)).toContain('reset');
  });

  it('clears the worker when the engine restarts (the sequence starts over)', async () => {
    const { publisher, index, stream } = await setUp();
    for (let k = 0; k < 20; k++) await publisher.publish(batch(k));
    await until(() => stream.stats.lastSeq === 19n, 'seq 19');
    publisher.restart();
    for (let k = 0; k < 5; k++) await publisher.publish(batch(100 + k));
    await until(() => stream.stats.resets === 1 && stream.stats.lastSeq === 4n, 'the restart');
    expect(state(index)).toEqual(model(payloads(100, 105)));
  });

  it('asks for a replay from 0 when it joins mid-stream', async () => {
    const publisher = await new FaultPublisher().start();
    for (let k = 0; k < 30; k++) await publisher.publish(batch(k), { drop: true }); // nobody listening yet
    const index = new KvIndex();
    const stream = await VllmStream.connect({
      ...source,
      endpoint: publisher.endpoint,
      replayEndpoint: publisher.replayEndpoint,
      sink: index,
    });
    open.push(stream, publisher);
    indexes.push(index);
    await new Promise((r) => setTimeout(r, 150));
    await publisher.publish(batch(30));
    await until(() => stream.stats.lastSeq === 30n, 'seq 30');
    expect(state(index)).toEqual(model(payloads(0, 31)));
    expect([stream.stats.joinedLate, stream.stats.recoveredBatches, stream.stats.degraded]).toEqual([1, 30, false]);
  });

  it('recovers a gap of 1,000 batches (a slow consumer past the high-water mark)', async () => {
    const { publisher, index, stream } = await setUp();
    await publisher.publish(batch(0));
    for (let k = 1; k <= 1000; k++) await publisher.publish(batch(k), { drop: true });
    const started = performance.now();
    await publisher.publish(batch(1001));
    await until(() => stream.stats.lastSeq === 1001n, 'seq 1001', 20_000);
    const ms = performance.now() - started;
    expect(state(index)).toEqual(model(payloads(0, 1002)));
    expect(stream.stats.recoveredBatches).toBe(1000);
    console.log(`recovery of a 1,000-batch gap over loopback: ${ms.toFixed(1)} ms`);
  });

  it("keeps the worker's blocks and marks it degraded when the replay buffer no longer holds the gap", async () => {
    const { publisher, index, stream, reports } = await setUp({ bufferSteps: 5 });
    for (let k = 0; k < 30; k++) await publisher.publish(batch(k), { drop: k >= 10 && k < 25 });
    await until(() => stream.stats.lastSeq === 29n, 'seq 29');
    // The buffer held 25..29 when the gap was seen at 25: 10..24 are lost; 25 came live.
    expect(state(index)).toEqual(model([...payloads(0, 10), ...payloads(25, 30)]));
    const s = stream.stats;
    expect([s.gapBatches, s.lostBatches, s.degraded]).toEqual([15, 15, true]);
    expect(reports.find((r) => r.kind === 'unrecoverableGap')).toMatchObject({ from: 10n, to: 24n, reason: 'bufferExceeded' });
  });

  it("clears the worker after lost batches when the policy says 'clearWorker'", async () => {
    const { publisher, index, stream } = await setUp({ bufferSteps: 5, onLostEvents: 'clearWorker' });
    for (let k = 0; k < 30; k++) await publisher.publish(batch(k), { drop: k >= 10 && k < 25 });
    await until(() => stream.stats.lastSeq === 29n, 'seq 29');
    expect(state(index)).toEqual(model(payloads(25, 30)));
    expect([stream.stats.lostBatches, stream.stats.degraded]).toEqual([15, false]);
  });

  it('counts lost batches and marks the worker degraded without a replay endpoint', async () => {
    const { publisher, index, stream } = await setUp({ replay: false });
    for (let k = 0; k < 20; k++) await publisher.publish(batch(k), { drop: k === 7 });
    await until(() => stream.stats.lastSeq === 19n, 'seq 19');
    expect(state(index)).toEqual(model([...payloads(0, 7), ...payloads(8, 20)]));
    expect([stream.stats.lostBatches, stream.stats.degraded]).toEqual([1, true]);
  });

  it('gives up a replay that does not answer after replayTimeoutMs', async () => {
    const { publisher, stream, reports } = await setUp({ replayTimeoutMs: 100 });
    publisher.silentReplay = true;
    for (let k = 0; k < 10; k++) await publisher.publish(batch(k), { drop: k === 4 });
    await until(() => stream.stats.lastSeq === 9n, 'seq 9');
    expect(stream.stats.lostBatches).toBe(1);
    expect(reports.find((r) => r.kind === 'unrecoverableGap')).toMatchObject({ reason: 'timeout' });
  });

  it('refuses a bad address or options with a clear error', async () => {
    using index = new KvIndex();
    await expect(VllmStream.connect({ ...source, endpoint: 'not an address', sink: index })).rejects.toThrow();
    await expect(VllmStream.connect({ ...source, endpoint: 'tcp://127.0.0.1:1', sink: index, replayTimeoutMs: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(VllmStream.connect({ ...source, endpoint: 'tcp://127.0.0.1:1', sink: {} as never })).rejects.toThrow(/sink/);
  });

  it('counts a batch that cannot be decoded as malformed and lost, and goes on', async () => {
    const { publisher, index, stream } = await setUp();
    await publisher.publish(batch(0));
    await publisher.publish(new Uint8Array([0xc1]));
    await publisher.publish(batch(2));
    await until(() => stream.stats.lastSeq === 2n, 'seq 2');
    expect(state(index)).toEqual(model([batch(0), batch(2)]));
    expect([stream.stats.malformedBatches, stream.stats.lostBatches, stream.stats.degraded]).toEqual([1, 1, true]);
  });
});
