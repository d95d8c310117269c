// SPEC §6.4: choosing the worker.
import { describe, expect, it } from 'vitest';
import { BlockSequenceError, LoadTracker, selectWorker, type WorkerScore } from 'kvbm-sequence';

const score = (workerId: number, blocks: number, treeSize = blocks): WorkerScore => ({
  workerId: BigInt(workerId),
  dpRank: 0,
  blocks,
  treeSize,
});
const idle = (workerId: number, activeBlocks = 0, prefillTokens = 0) => ({ workerId, activeBlocks, prefillTokens });

describe('selectWorker', () => {
  it('costs a worker its blocks still to prefill plus its active blocks', () => {
    const s = selectWorker([score(1, 3)], [idle(1, 5, 16), idle(2, 0, 0)], { isl: 64, blockSize: 16, seed: 1 });
    // worker 1: (64 − 48 + 16) / 16 + 5 = 7; worker 2: 64 / 16 + 0 = 4.
    expect(s.costs.map((c) => c.cost)).toEqual([7, 4]);
    expect(s.workerId).toBe(2n);
  });

  it('weighs prefill by overlapScoreWeight', () => {
    const s = selectWorker([score(1, 4)], [idle(1, 3), idle(2, 0)], { isl: 64, blockSize: 16, overlapScoreWeight: 2, seed: 1 });
    expect(s.costs.map((c) => c.cost)).toEqual([3, 8]);
    expect(s.workerId).toBe(1n);
  });

  it('breaks cost ties by the smaller tree, then at random with a seed', () => {
    const tied = selectWorker([score(1, 1, 50), score(2, 1, 10)], [idle(1), idle(2)], { isl: 32, blockSize: 16, seed: 7 });
    expect(tied.workerId).toBe(2n);
    const picks = new Set<bigint>();
    for (let seed = 0; seed < 32; seed++)
      picks.add(selectWorker([], [idle(1), idle(2), idle(3)], { isl: 16, blockSize: 16, seed }).workerId);
    expect(picks.size).toBe(3);
    const again = (seed: number) => selectWorker([], [idle(1), idle(2), idle(3)], { isl: 16, blockSize: 16, seed }).workerId;
    expect(again(5)).toBe(again(5));
  });

  it('samples by temperature with probability falling with cost', () => {
    const workers = [idle(1, 0), idle(2, 10)];
    let cheap = 0;
    for (let seed = 0; seed < 400; seed++)
      if (selectWorker([], workers, { isl: 16, blockSize: 16, temperature: 0.5, seed }).workerId === 1n) cheap++;
    // p(cheap) = 1 / (1 + e^-2) ≈ 0.88
    expect(cheap / 400).toBeGreaterThan(0.8);
    expect(cheap / 400).toBeLessThan(0.95);
  });

  it('rejects an empty worker list and bad options', () => {
    expect(() => selectWorker([], [], { isl: 1, blockSize: 1 })).toThrow(RangeError);
    expect(() => selectWorker([], [idle(1)], { isl: 1, blockSize: 0 })).toThrow(RangeError);
    expect(() => selectWorker([], [idle(1)], { isl: NaN, blockSize: 1 })).toThrow(TypeError);
  });
});

describe('LoadTracker', () => {
  it('refuses a request on a worker it does not have, with a typed error, and adds no candidate', () => {
    using t = new LoadTracker();
    t.addWorker(1);
    let caught: unknown;
    try {
      t.addRequest('a', 99, [10n], 32);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BlockSequenceError);
    expect(caught).toMatchObject({ kind: 'UnknownWorker', workerId: 99n, dpRank: 0 });
    expect(t.potentialLoads([]).map((w) => w.workerId)).toEqual([1n]);
    expect(t.runningRequests).toBe(0);
    t.removeWorker(1);
    expect(() => t.addRequest('b', 1, [], 0)).toThrow(/unknown worker 1/);
  });

  it('counts a block shared by running requests once', () => {
    const t = new LoadTracker();
    t.addWorker(1);
    t.addRequest('a', 1, [10n, 11n], 32);
    t.addRequest('b', 1, [10n, 12n], 16);
    expect(t.potentialLoads([10n, 13n])).toEqual([{ workerId: 1n, dpRank: 0, activeBlocks: 4, prefillTokens: 48 }]);
  });

  it('drops prefill when it is done and blocks when the request ends', () => {
    const t = new LoadTracker();
    t.addWorker(2);
    t.addWorker(1);
    t.addRequest('a', 1, [10n], 32);
    t.markPrefillDone('a');
    expect(t.potentialLoads([])[1]).toMatchObject({ activeBlocks: 1, prefillTokens: 0 });
    t.finishRequest('a');
    expect(t.potentialLoads([])).toEqual([
      { workerId: 2n, dpRank: 0, activeBlocks: 0, prefillTokens: 0 },
      { workerId: 1n, dpRank: 0, activeBlocks: 0, prefillTokens: 0 },
    ]);
    expect(() => t.finishRequest('a')).toThrow(RangeError);
  });
});
