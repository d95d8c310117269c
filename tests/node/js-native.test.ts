// Values that feel native to JavaScript: inspection, iteration, transferable plans, and objects
// that work (freed by hand) where the runtime has no FinalizationRegistry.
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BlockSequence, ExternalBlockAssignments, KvIndex, LoadTracker, TierPool, zipAssignedPending } from 'kvbm-sequence';

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
