// Every engine wire generation (SPEC §6.5.2–§6.5.3) decodes to the router events an independent
// encoding says it should: the batches are written by Debian's python3-msgpack and the expected
// local hashes computed by python3-xxhash (tests/support/engine_events.py). Then what cannot be
// used: counted per kind, warned once per source, thrown under `strict`; and hostile input.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { KvIndex, computeBlockHashes, computeSaltHash } from 'kvbm-sequence';
import { DecodeError, VllmDecoder, decodeVllmBatch, type DecodeWarning } from 'kvbm-sequence/vllm';

interface Fixture {
  payload: string;
  events: Record<string, unknown>[];
  tierEvents: Record<string, unknown>[];
}

const fixtures = JSON.parse(
  execFileSync('/usr/bin/python3', [join(__dirname, '..', 'support', 'engine_events.py')], { encoding: 'utf8' }),
) as Record<string, Fixture>;
const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const source = { workerId: 7, blockSize: 16 };
const tokens = Array.from({ length: 48 }, (_, i) => 100 + i);
const map = (extra: Record<string, unknown> = {}) => ({
  type: 'BlockStored',
  block_hashes: [11n, 12n, 13n],
  parent_block_hash: null,
  token_ids: tokens,
  block_size: 16,
  lora_id: null,
  medium: 'GPU',
  lora_name: null,
  ...extra,
});
const batchOf = (events: unknown[]) => encode([1, events, 0], { useBigInt64: true });

describe('every generation decodes as an independent encoder says', () => {
  for (const name of ['g1', 'g2', 'g3', 'g4', 'g5', 'g5-no-rank', 'tiers', 'sglang-positional', 'sglang-map', 'dynamo-conventions']) {
    it(name, () => {
      const f = fixtures[name] as Fixture;
      const b = decodeVllmBatch(bytes(f.payload), source);
      expect(JSON.parse(JSON.stringify(b.events))).toEqual(f.events.map((e) => ({ workerId: 7, ...e })));
      expect(JSON.parse(JSON.stringify(b.tierEvents))).toEqual(f.tierEvents.map((e) => ({ workerId: 7, ...e })));
      expect(b.skipped).toBe(0);
    });
  }

  it("takes SGLang's rank from the subscription when the batch names none", () => {
    const b = decodeVllmBatch(bytes((fixtures['sglang-positional'] as Fixture).payload), { ...source, dpRank: 3 });
    expect(b.dpRank).toBe(3);
    expect(b.events.every((e) => e.dpRank === 3)).toBe(true);
  });

  it('feeds lower-tier events to the index, which reports the host blocks beside the device ones', () => {
    using index = new KvIndex();
    const b = decodeVllmBatch(bytes((fixtures.tiers as Fixture).payload), source);
    index.applyEvents([...b.events, ...b.tierEvents]);
    const m = index.findMatches(computeBlockHashes(tokens, 16, computeSaltHash()));
    expect(m.scores).toEqual([]);
    expect(JSON.parse(JSON.stringify(m.tiers))).toEqual([{ workerId: '7', dpRank: 0, device: 0, host: 3, disk: 0 }]);
  });

  it('feeds an index that then matches the prompt (tagged-map batch of current vLLM)', () => {
    using index = new KvIndex();
    index.applyEvents(decodeVllmBatch(bytes((fixtures.g5 as Fixture).payload), source).events);
    const m = index.findMatches(computeBlockHashes(tokens, 16, computeSaltHash()));
    expect(m.scores.map((s) => [s.workerId, s.dpRank, s.blocks])).toEqual([[7n, 3, 3]]);
  });
});

describe('what cannot be used is counted and reported, never dropped silently', () => {
  it('counts an unknown event type and keeps the rest of the batch', () => {
    const b = decodeVllmBatch(batchOf([{ type: 'BlockMoved', block_hashes: [1n] }, ['BlockTeleported'], map()]), source);
    expect(b.counts.unknownEventTypes).toEqual({ BlockMoved: 1, BlockTeleported: 1 });
    expect([b.events.length, b.skipped]).toEqual([1, 2]);
  });

  it('counts unknown fields by name and still decodes the event', () => {
    const positional = ['BlockStored', [1n], null, tokens.slice(0, 16), 16, null, 'GPU', null, null, 0, 'full_attention', 4, 'extra'];
    const b = decodeVllmBatch(batchOf([map({ shiny_new_field: 1 }), positional]), source);
    expect(b.counts.unknownFields).toEqual({ 'BlockStored.shiny_new_field': 1, 'BlockStored[12]': 1 });
    expect(b.events.length).toBe(2);
  });

  it('refuses a block-size mismatch with a typed warning, once per source, and counts every event', () => {
    const heard: DecodeWarning[] = [];
    const decoder = new VllmDecoder({ workerId: 7, blockSize: 64 }, (w) => heard.push(w));
    const first = decoder.decode(batchOf([map(), map()]));
    const second = decoder.decode(batchOf([map()]));
    expect([first.events.length, second.events.length]).toEqual([0, 0]);
    expect(decoder.counts.blockSizeMismatch).toBe(3);
    expect(heard).toEqual([{ kind: 'BlockSizeMismatch', workerId: 7, dpRank: 0, engineBlockSize: 16, routerBlockSize: 64 }]);
    expect(second.warnings).toEqual([]);
  });

  it('splits engine blocks that are a multiple of the router block size', () => {
    const b = decodeVllmBatch(batchOf([map({ block_hashes: [5n], token_ids: tokens.slice(0, 32), block_size: 32 })]), source);
    const e = b.events[0];
    expect(e?.type === 'stored' && e.blocks.map((x) => x.tokensHash)).toEqual([...computeBlockHashes(tokens.slice(0, 32), 16, 1337n)]);
    expect(e?.type === 'stored' && e.blocks[1]?.blockHash).toBe(5n);
  });

  it('drops a stored event that repeats a hash (Dynamo does) and counts it', () => {
    const b = decodeVllmBatch(batchOf([map({ block_hashes: [5n, 5n], token_ids: tokens.slice(0, 32) })]), source);
    expect([b.events.length, b.counts.invalidBlockSequence]).toEqual([0, 1]);
  });

  it('drops remote events and non-full-attention groups, counted', () => {
    const b = decodeVllmBatch(
      batchOf([
        map({ locality: 'REMOTE' }),
        map({ kv_cache_spec_kind: 'sliding_window', group_idx: 1 }),
        map({ group_idx: 0, kv_cache_spec_kind: 'full_attention' }),
      ]),
      source,
    );
    expect([b.counts.nonLocalEvents, b.counts.filteredGroupEvents, b.events.length]).toEqual([1, 1, 1]);
  });

  it('counts an unknown medium and a stored event with too few tokens', () => {
    const b = decodeVllmBatch(batchOf([map({ medium: 'HOLOGRAPHIC' }), map({ token_ids: tokens.slice(0, 40) })]), source);
    expect(b.counts.unknownMediums).toEqual({ HOLOGRAPHIC: 1 });
    expect(b.counts.shortTokenEvents).toBe(1);
    const e = b.events[0];
    expect(e?.type === 'stored' && e.blocks.length).toBe(2);
  });

  it('throws a DecodeError under strict instead of counting', () => {
    expect(() => decodeVllmBatch(batchOf([{ type: 'BlockMoved' }]), { ...source, strict: true })).toThrow(DecodeError);
    expect(() => decodeVllmBatch(batchOf([map()]), { workerId: 7, blockSize: 64, strict: true })).toThrow(/BlockSizeMismatch/);
  });
});

describe('hostile input: a clear error or a counted rejection, never a trap', () => {
  it('refuses truncated msgpack and what is not a batch with a TypeError', () => {
    const good = batchOf([map()]);
    expect(() => decodeVllmBatch(good.subarray(0, good.length - 5), source)).toThrow(TypeError);
    expect(() => decodeVllmBatch(encode('hello'), source)).toThrow(/batch/);
    expect(() => decodeVllmBatch(encode({ ts: 1, events: 5 }), source)).toThrow(/batch.events/);
  });

  it('skips and counts an event whose fields have the wrong types, naming the field', () => {
    const heard: DecodeWarning[] = [];
    const decoder = new VllmDecoder(source, (w) => heard.push(w));
    const b = decoder.decode(batchOf([map({ block_hashes: ['x'] }), map({ token_ids: [-1] }), map({ block_hashes: [1.5] }), map()]));
    expect([b.counts.malformedEvents, b.events.length]).toEqual([3, 1]);
    expect(heard[0]?.kind === 'MalformedEvent' && heard[0].message).toMatch(/events\[0\]\.block_hashes\[0\]/);
  });

  it('decodes a batch of 1,000,000 events', () => {
    const b = decodeVllmBatch(encode([1, Array.from({ length: 1_000_000 }, () => ['AllBlocksCleared']), 0]), source);
    expect(b.events.length).toBe(1_000_000);
  });

  it('leaves the index as it was when a batch is refused', () => {
    using index = new KvIndex();
    index.applyEvents(decodeVllmBatch(batchOf([map()]), source).events);
    const before = index.size;
    expect(() => index.applyEvents(decodeVllmBatch(encode([1, 2]), source).events)).toThrow(TypeError);
    expect(index.size).toBe(before);
  });
});
