// Hostile input for the router layer: every new function and argument with wrong values. Each
// call throws TypeError or RangeError with a message; the index is unchanged and still works.
import { describe, expect, it } from 'vitest';
import { KvIndex, LoadTracker, computeBlockHashes, fromRouterEvent, selectWorker, type KvEvent } from 'kvbm-sequence';

const U64_BAD: unknown[] = [NaN, Infinity, -1, 1.5, 2 ** 53, -1n, 2n ** 64n, '1', null, {}, [], true, undefined];
const good: KvEvent = { type: 'stored', workerId: 1, blocks: [{ blockHash: 10n, tokensHash: 1n }] };

function expectClean(index: KvIndex, before: unknown): void {
  expect(index.dump()).toEqual(before);
  expect(index.findMatches([1n]).scores.length).toBe(1);
}

describe('KvIndex refuses malformed events and changes nothing', () => {
  const malformed: Array<[string, unknown]> = [
    ...U64_BAD.map((v): [string, unknown] => [`workerId ${String(v)}`, { ...good, workerId: v }]),
    ...U64_BAD.filter((v) => v !== undefined && v !== null).map((v): [string, unknown] => [
      `parentHash ${String(v)}`,
      { ...good, parentHash: v },
    ]),
    ...U64_BAD.map((v): [string, unknown] => [`blockHash ${String(v)}`, { ...good, blocks: [{ blockHash: v, tokensHash: 1n }] }]),
    ...U64_BAD.map((v): [string, unknown] => [`tokensHash ${String(v)}`, { ...good, blocks: [{ blockHash: 1n, tokensHash: v }] }]),
    ...[-1, 1.5, 2 ** 32, '0', NaN].map((v): [string, unknown] => [`dpRank ${String(v)}`, { ...good, dpRank: v }]),
    ['no type', { workerId: 1 }],
    ['unknown type', { ...good, type: 'evicted' }],
    ['blocks not an array', { ...good, blocks: 5 }],
    ['null block', { ...good, blocks: [null] }],
    ['removed without hashes', { type: 'removed', workerId: 1 }],
    ['removed with a bad hash', { type: 'removed', workerId: 1, blockHashes: [1n, -5n] }],
    ['null event', null],
    ['string event', 'stored'],
  ];
  for (const [name, event] of malformed) {
    it(`applyEvent: ${name}`, () => {
      using index = new KvIndex();
      index.applyEvent(good);
      const before = index.dump();
      expect(() => index.applyEvent(event as KvEvent)).toThrow(/must|is not/);
      expect(() => index.applyEvents([good, event as KvEvent])).toThrow(/must|is not/);
      expectClean(index, before);
    });
  }

  it('applyEvents: not an array', () => {
    using index = new KvIndex();
    expect(() => index.applyEvents(good as unknown as KvEvent[])).toThrow(TypeError);
  });
});

describe('KvIndex methods refuse wrong arguments', () => {
  it('findMatches', () => {
    using index = new KvIndex();
    index.applyEvent(good);
    const before = index.dump();
    for (const q of [null, 5, '1', [1n, -1n], [1.5], new Uint32Array(2), { length: 1 }]) {
      expect(() => index.findMatches(q as bigint[])).toThrow(/must/);
    }
    expect(() => index.findMatches([1n], { earlyExit: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => index.findMatches([1n], { now: NaN })).toThrow(TypeError);
    expectClean(index, before);
  });

  it('constructor, record, advance, removeWorker, restore', () => {
    expect(() => new KvIndex({ mode: 'other' as 'events' })).toThrow(TypeError);
    expect(() => new KvIndex({ mode: 'approximate', ttlMs: -1 })).toThrow(RangeError);
    expect(() => new KvIndex({ mode: 'approximate', ttlMs: NaN })).toThrow(RangeError);
    expect(() => new KvIndex({ ttlMs: 5 })).toThrow(TypeError);
    using index = new KvIndex({ mode: 'approximate', ttlMs: 10 });
    expect(() => index.record(-1, [1n], { now: 0 })).toThrow(RangeError);
    expect(() => index.record(1, [1n], { now: NaN })).toThrow(TypeError);
    expect(() => index.record(1, [1n], null as unknown as { now: number })).toThrow(TypeError);
    expect(() => index.advance('5' as unknown as number)).toThrow(TypeError);
    expect(() => index.removeWorker(1.5)).toThrow(RangeError);
    expect(() => KvIndex.restore('x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => KvIndex.restore(new Uint8Array(25))).toThrow(TypeError);
    expect(index.size).toBe(0);
  });

  it('a freed index throws TypeError', () => {
    const index = new KvIndex();
    index.free();
    expect(() => index.findMatches([1n])).toThrow(TypeError);
    expect(() => index.applyEvent(good)).toThrow(TypeError);
    expect(() => index.size).toThrow(TypeError);
  });
});

describe('selection, tracking and decoding refuse wrong arguments', () => {
  it('selectWorker', () => {
    const w = [{ workerId: 1, activeBlocks: 0, prefillTokens: 0 }];
    for (const bad of [
      null,
      5,
      [{ workerId: -1, activeBlocks: 0, prefillTokens: 0 }],
      [{ workerId: 1, activeBlocks: NaN, prefillTokens: 0 }],
    ]) {
      expect(() => selectWorker([], bad as typeof w, { isl: 1, blockSize: 1 })).toThrow(/must/);
    }
    expect(() => selectWorker([], w, { isl: -1, blockSize: 1 })).toThrow(RangeError);
    expect(() => selectWorker([], w, { isl: 1, blockSize: 1, temperature: -1 })).toThrow(RangeError);
    expect(() => selectWorker([], w, { isl: 1, blockSize: 1, seed: '1' as unknown as number })).toThrow(TypeError);
  });

  it('LoadTracker', () => {
    const t = new LoadTracker();
    expect(() => t.addRequest(5 as unknown as string, 1, [], 0)).toThrow(TypeError);
    expect(() => t.addRequest('a', 1, [-1n], 0)).toThrow(RangeError);
    expect(() => t.addRequest('a', 1, [], -1)).toThrow(RangeError);
    expect(t.runningRequests).toBe(0);
    t.addWorker(1);
    t.addRequest('a', 1, [], 0);
    expect(() => t.addRequest('a', 1, [], 0)).toThrow(RangeError);
    expect(() => t.markPrefillDone('b')).toThrow(RangeError);
  });

  it('fromRouterEvent and router hash options', () => {
    expect(() => fromRouterEvent('{')).toThrow(SyntaxError);
    expect(() => fromRouterEvent({ worker_id: -1, event: { data: 'cleared' } })).toThrow(RangeError);
    expect(() => fromRouterEvent({ worker_id: 1.5, event: { data: 'cleared' } })).toThrow(TypeError);
    expect(() => computeBlockHashes([1], 1, 0n, null as unknown as object)).toThrow(TypeError);
    expect(() => computeBlockHashes([1], 1, 0n, { mmHashes: 'x' as unknown as [] })).toThrow(TypeError);
  });
});
