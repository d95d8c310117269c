// Values that feel native to JavaScript: inspection, iteration, transferable plans, JSON,
// structured cloning, errors that narrow, and objects that work (freed by hand) where the runtime
// has no FinalizationRegistry.
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  BlockSequence,
  BlockSequenceError,
  ExternalBlockAssignments,
  KvIndex,
  LoadTracker,
  SequenceHash,
  TierPool,
  computeBlockHashes,
  computeEngineHashes,
  computeSaltHash,
  computeSequenceHashes,
  hashesFromHex,
  hashesFromStrings,
  hashesToHex,
  hashesToStrings,
  selectWorker,
  zipAssigned,
  zipAssignedPending,
} from 'kvbm-sequence';

describe('util.inspect and console.log', () => {
  it('show what a sequence holds', () => {
    using s = new BlockSequence([1, 2, 3, 4, 5], 4, 7n);
    expect(inspect(s)).toBe('BlockSequence { blockSize: 4, totalTokens: 5, blockCount: 1, saltHash: 7n }');
  });

  it("show a record's, an index's, a pool's and a tracker's counts", () => {
    using a = new ExternalBlockAssignments(2);
    a.extendBlockIds([1, 2]);
    expect(inspect(a)).toBe('ExternalBlockAssignments { offset: 2, assigned: 0, staged: 0, unassigned: 2 }');
    using i = new KvIndex();
    expect(inspect(i)).toBe("KvIndex { mode: 'events', size: 0, nodes: 0 }");
    using p = new TierPool({ capacity: 3, blockSize: 4 });
    expect(inspect(p)).toBe('TierPool { capacity: 3, free: 3, active: 0, inactive: 0, blockSize: 4 }');
    using t = new LoadTracker();
    expect(inspect(t)).toBe('LoadTracker { runningRequests: 0 }');
  });

  it('say when an object was freed', () => {
    const s = new BlockSequence([1], 1);
    s.free();
    expect(inspect(s)).toBe('BlockSequence { freed: true }');
  });
});

describe('iteration', () => {
  it('a record iterates its assigned [id, hash] pairs', () => {
    using s = new BlockSequence([1, 2, 3, 4, 5, 6, 7, 8], 4);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([10, 11]);
    a.assignPending(s);
    expect([...a].map(([id, h]) => [id, h.position])).toEqual([
      [10, 0],
      [11, 1],
    ]);
  });

  it('a sequence iterates its complete blocks', () => {
    using s = new BlockSequence([1, 2, 3, 4, 5, 6, 7, 8, 9], 4);
    expect([...s].map((b) => [b.position, [...b.tokens]])).toEqual([
      [0, [1, 2, 3, 4]],
      [1, [5, 6, 7, 8]],
    ]);
  });
});

describe('plans', () => {
  it('own one buffer per array, so each can be transferred alone', () => {
    using s = new BlockSequence(
      Array.from({ length: 16 }, (_, i) => i),
      4,
    );
    using g2 = new ExternalBlockAssignments(0);
    using g1 = new ExternalBlockAssignments(0);
    g2.extendBlockIds([20, 21, 22, 23]);
    g2.assignPending(s);
    g1.extendBlockIds([10, 11, 12, 13]);
    const plan = zipAssignedPending(g2, g1);
    expect(new Set([plan.positions.buffer, plan.src.buffer, plan.dst.buffer]).size).toBe(3);
    const moved = structuredClone(plan.src, { transfer: [plan.src.buffer] });
    expect([...moved]).toEqual([20, 21, 22, 23]);
    expect([...plan.dst]).toEqual([10, 11, 12, 13]);
  });
});

describe('without FinalizationRegistry', () => {
  it('the package loads and objects work, released by free()', () => {
    const code = `
      globalThis.FinalizationRegistry = undefined;
      const k = require('./dist/index.cjs');
      const s = new k.BlockSequence([1, 2, 3, 4], 4);
      const n = s.blockCount;
      s.free();
      console.log(JSON.stringify([n, k.memoryStats().liveObjects]));`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' }))).toEqual([1, 0]);
  });
});

describe('JSON', () => {
  const tokens = Array.from({ length: 12 }, (_, i) => i + 1);

  it('hash arrays stringify as decimal strings and come back with hashesFromStrings', () => {
    const hashes = computeSequenceHashes(tokens, 4, computeSaltHash());
    const text = JSON.stringify(hashes);
    expect(JSON.parse(text)).toEqual(['14643705804678351452', '4945711292740353085', '12583592247330656132']);
    expect([...hashesFromStrings(JSON.parse(text))]).toEqual([...hashes]);
  });

  it('hashes go to hex and back', () => {
    const hashes = computeBlockHashes(tokens, 4, 0n);
    const hex = hashesToHex(hashes);
    expect(hex.every((h) => /^[0-9a-f]{16}$/.test(h))).toBe(true);
    expect([...hashesFromHex(hex)]).toEqual([...hashes]);
    expect(hashesToStrings(hashes)).toEqual([...hashes].map(String));
  });

  it('helpers refuse text that is not a u64', () => {
    expect(() => hashesFromStrings(['18446744073709551616'])).toThrow(RangeError);
    expect(() => hashesFromStrings(['-1'])).toThrow(RangeError);
    expect(() => hashesFromStrings(['01'])).toThrow(RangeError);
    expect(() => hashesFromHex(['12345678901234567'])).toThrow(RangeError);
  });

  it('a block stringifies with its hashes as strings and its lineage hash as text', () => {
    using s = new BlockSequence(tokens, 4);
    const block = JSON.parse(JSON.stringify(s.block(1)));
    expect(block.blockHash).toBe(String(s.blockHashes()[1]));
    expect(block.tokens).toEqual([5, 6, 7, 8]);
    expect(SequenceHash.parse(block.lineageHash).equals(s.allSequenceHashes()[1] as SequenceHash)).toBe(true);
  });

  it('router results, events, plans, errors and objects stringify', () => {
    using index = new KvIndex();
    index.applyEvent({ type: 'stored', workerId: 2n ** 63n, blocks: [{ blockHash: 1n, tokensHash: 2n }] });
    const matches = index.findMatches([2n]);
    expect(JSON.parse(JSON.stringify(matches)).scores[0].workerId).toBe('9223372036854775808');
    expect(JSON.parse(JSON.stringify(index.dump()))[0].blocks[0]).toEqual({ blockHash: '1', tokensHash: '2' });
    expect(JSON.parse(JSON.stringify(index.treeSizes()))[0].workerId).toBe('9223372036854775808');
    const pick = selectWorker(matches, [{ workerId: 2n ** 63n, activeBlocks: 0, prefillTokens: 0 }], { isl: 4, blockSize: 4 });
    expect(JSON.parse(JSON.stringify(pick)).workerId).toBe('9223372036854775808');
    using pool = new TierPool({ capacity: 4, blockSize: 4 });
    using s = new BlockSequence(tokens, 4);
    pool.register(pool.allocate(1), s);
    expect(JSON.parse(JSON.stringify(pool.takeEvents()))[0].type).toBe('stored');
    using g = new ExternalBlockAssignments(0);
    g.extendBlockIds([7]);
    g.assignPending(s.slice(0, 1));
    expect(JSON.parse(JSON.stringify(zipAssigned(g, g)))).toEqual({ positions: [0], src: [7], dst: [7] });
    expect(JSON.parse(JSON.stringify(s))).toMatchObject({ blockSize: 4 });
    const e = new BlockSequenceError('BindingMismatch', 'm', { expectedSaltHash: 2n ** 64n - 1n });
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({
      name: 'BlockSequenceError',
      kind: 'BindingMismatch',
      expectedSaltHash: '18446744073709551615',
    });
    expect(JSON.parse(JSON.stringify(computeEngineHashes(tokens, 4, 'sglang'))).ids).toHaveLength(3);
  });
});

describe('structuredClone and postMessage', () => {
  it('keep plain results whole (bigints included)', () => {
    using index = new KvIndex();
    index.applyEvent({ type: 'stored', workerId: 5n, blocks: [{ blockHash: 1n, tokensHash: 2n }] });
    const copy = structuredClone(index.findMatches([2n]));
    expect(copy.scores[0]?.workerId).toBe(5n);
  });

  it('throw for objects that live in WebAssembly memory rather than give {}', () => {
    using s = new BlockSequence([1, 2, 3, 4], 4);
    expect(() => structuredClone(s)).toThrow(/could not be cloned/);
    expect(() => structuredClone(s.allSequenceHashes()[0])).toThrow(/could not be cloned/);
    const { port1, port2 } = new MessageChannel();
    try {
      expect(() => port1.postMessage(s)).toThrow(/could not be cloned/);
    } finally {
      port1.close();
      port2.close();
    }
  });
});

describe('BlockSequenceError', () => {
  it('carries the fields of its kind', () => {
    using g = new ExternalBlockAssignments(0);
    let caught: unknown;
    try {
      g.extendBlockIds([1, 1]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BlockSequenceError);
    const e = caught as BlockSequenceError;
    // The kind narrows the fields (a type error if it did not: blockId would be number | undefined).
    const blockId: number = e.kind === 'DuplicateBlockId' ? e.blockId : -1;
    expect(blockId).toBe(1);
    expect(e.name).toBe('BlockSequenceError');
    expect(BlockSequenceError.name).toBe('BlockSequenceError');
  });
});
