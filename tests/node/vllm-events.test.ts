// vLLM's KV events (msgpack, as its ZMQ publisher sends them) to index events, and the whole
// path over a real ZeroMQ socket on loopback.
import { execFileSync } from 'node:child_process';
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { RouterEventCursor, computeBlockHashes, computeSaltHash, fromRouterEvent } from 'kvbm-sequence';
import { decodeVllmBatch, decodeVllmMessage, engineBlockHash } from 'kvbm-sequence/vllm';

const tokens = Array.from({ length: 48 }, (_, i) => 100 + i);
const batch = (events: unknown[], dp: number | null = 0) => encode([1.25, events, dp], { useBigInt64: true });
const source = { workerId: 7, blockSize: 16 };

describe('decodeVllmBatch', () => {
  it("turns BlockStored into a stored event with the router's local hashes", () => {
    const b = decodeVllmBatch(batch([['BlockStored', [11n, 12n, 13n], null, tokens, 16, null, 'GPU', null]]), source);
    const local = computeBlockHashes(tokens, 16, computeSaltHash());
    expect(b.events).toEqual([
      {
        type: 'stored',
        workerId: 7,
        dpRank: 0,
        parentHash: null,
        blocks: [0, 1, 2].map((k) => ({ blockHash: BigInt(11 + k), tokensHash: local[k] })),
      },
    ]);
  });

  it('salts local hashes with the LoRA name', () => {
    const b = decodeVllmBatch(batch([['BlockStored', [1n], null, tokens.slice(0, 16), 16, null, 'GPU', 'my-lora']]), source);
    const first = b.events[0];
    expect(first?.type === 'stored' && first.blocks[0]?.tokensHash).toBe(
      computeBlockHashes(tokens.slice(0, 16), 16, computeSaltHash({ lora: 'my-lora' }))[0],
    );
  });

  it('reads multimodal identifiers from extra_keys', () => {
    const digest = 'ab'.repeat(32);
    const b = decodeVllmBatch(
      batch([['BlockStored', [1n, 2n], null, tokens.slice(0, 32), 16, null, 'GPU', null, [null, [[digest, 0]]]]]),
      source,
    );
    const want = computeBlockHashes(tokens.slice(0, 32), 16, 1337n, { mmHashes: [null, [0xababababababababn]] });
    const first = b.events[0];
    expect(first?.type === 'stored' && first.blocks.map((x) => x.tokensHash)).toEqual([...want]);
  });

  it('reads EAGLE token pairs as windows of blockSize + 1', () => {
    const pairs = tokens.slice(0, 32).map((t, i) => [t, tokens[i + 1]]);
    const b = decodeVllmBatch(batch([['BlockStored', [1n, 2n], null, pairs, 16, null, 'GPU', null]]), source);
    const want = computeBlockHashes(tokens.slice(0, 33), 16, 1337n, { eagle: true });
    const first = b.events[0];
    expect(first?.type === 'stored' && first.blocks.map((x) => x.tokensHash)).toEqual([...want]);
  });

  it('takes engine hashes as integers (negative ones wrap) or the last 8 bytes of a digest', () => {
    expect(engineBlockHash(-1n)).toBe(2n ** 64n - 1n);
    const digest = new Uint8Array(32);
    digest[31] = 5;
    digest[24] = 1;
    expect(engineBlockHash(digest)).toBe((1n << 56n) + 5n);
    const b = decodeVllmBatch(batch([['BlockRemoved', [digest, -2n], 'GPU'], ['AllBlocksCleared']], 3), source);
    expect(b.events).toEqual([
      { type: 'removed', workerId: 7, dpRank: 3, blockHashes: [(1n << 56n) + 5n, 2n ** 64n - 2n] },
      { type: 'cleared', workerId: 7, dpRank: 3 },
    ]);
  });

  it('splits event blocks that are a multiple of the router block size', () => {
    const b = decodeVllmBatch(batch([['BlockStored', [99n], null, tokens.slice(0, 32), 32, null, 'GPU', null]]), source);
    const first = b.events[0];
    expect(first?.type === 'stored' && first.blocks.length).toBe(2);
    expect(first?.type === 'stored' && first.blocks[1]?.blockHash).toBe(99n);
  });

  it('drops a stored event that repeats a hash, as Dynamo does, and counts it', () => {
    const b = decodeVllmBatch(batch([['BlockStored', [5n, 5n], null, tokens.slice(0, 32), 16, null, 'GPU', null]]), source);
    expect([b.events.length, b.counts.invalidBlockSequence]).toEqual([0, 1]);
  });

  it('decodes the multipart frames [topic, seq, payload]', () => {
    const seq = new Uint8Array([0, 0, 0, 0, 0, 0, 1, 2]);
    const m = decodeVllmMessage([new TextEncoder().encode('kv'), seq, batch([['AllBlocksCleared']])], source);
    expect([m.topic, m.seq, m.events.length]).toEqual(['kv', 258n, 1]);
  });

  it('rejects what is not a KVEventBatch', () => {
    expect(() => decodeVllmBatch(encode({ a: 1 }), source)).toThrow(TypeError);
    expect(() => decodeVllmBatch(batch([]), { workerId: 1, blockSize: 0 })).toThrow(RangeError);
  });
});

describe('fromRouterEvent (Dynamo JSON)', () => {
  it('keeps 64-bit integers exact when parsing text', () => {
    const e = fromRouterEvent(
      '{"worker_id":18446744073709551615,"event":{"event_id":3,"data":{"removed":{"block_hashes":[12345678901234567891]}},"dp_rank":2}}',
    );
    expect(e).toEqual({ type: 'removed', workerId: 2n ** 64n - 1n, dpRank: 2, blockHashes: [12345678901234567891n] });
  });

  it('reads stored and cleared', () => {
    expect(fromRouterEvent({ worker_id: 1, event: { event_id: 0, data: 'cleared' } })).toEqual({
      type: 'cleared',
      workerId: 1n,
      dpRank: 0,
    });
    const s = fromRouterEvent({
      worker_id: 1,
      event: { data: { stored: { parent_hash: 5, blocks: [{ block_hash: 6, tokens_hash: 7 }] } } },
    });
    expect(s).toEqual({ type: 'stored', workerId: 1n, dpRank: 0, parentHash: 5n, blocks: [{ blockHash: 6n, tokensHash: 7n }] });
    expect(() => fromRouterEvent({ worker_id: 1, event: { data: 'nope' } })).toThrow(TypeError);
  });
});

describe('over a real ZeroMQ socket (loopback)', () => {
  it('the runnable example routes a prompt to the worker that cached its prefix', () => {
    const out = execFileSync(process.execPath, ['scripts/zmq-router-example.mjs'], { encoding: 'utf8', timeout: 30_000 });
    const result = JSON.parse(out);
    expect(result.applied.ok).toBe(3);
    expect(result.scores).toEqual([{ workerId: '1', blocks: 8 }]);
    expect(result.chosen).toBe('1');
  });
});

describe("RouterEventCursor (Dynamo's per-worker event_id)", () => {
  const ev = (worker: number, id: number, dp = 0) => ({ worker_id: worker, event: { event_id: id, data: 'cleared', dp_rank: dp } });

  it('passes events in order, drops duplicates and reports a gap with the range to ask for', () => {
    const gaps: unknown[] = [];
    const cursor = new RouterEventCursor((g) => gaps.push(g));
    expect(cursor.accept(ev(1, 0)).id).toEqual({ status: 'first', eventId: 0n });
    expect(cursor.accept(ev(1, 1)).id).toEqual({ status: 'ok' });
    expect(cursor.accept(ev(1, 1)).event).toBeUndefined();
    expect(cursor.accept(ev(1, 5)).id).toEqual({ status: 'gap', from: 2n, to: 4n });
    expect(gaps).toEqual([{ workerId: 1n, dpRank: 0, from: 2n, to: 4n }]);
    expect(cursor.counters).toEqual({ inOrder: 1, duplicates: 1, gaps: 1, missingEvents: 3 });
  });

  it('numbers each (worker, dp rank) on its own', () => {
    const cursor = new RouterEventCursor();
    cursor.accept(ev(1, 0, 0));
    cursor.accept(ev(1, 7, 1));
    expect(cursor.accept(ev(1, 1, 0)).id).toEqual({ status: 'ok' });
    expect(cursor.accept(ev(1, 8, 1)).id).toEqual({ status: 'ok' });
  });
});
