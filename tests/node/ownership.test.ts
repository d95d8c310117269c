// Memory ownership: free(), `using`, the FinalizationRegistry, use after free.
import { describe, expect, it } from 'vitest';
import { BlockSequence, ExternalBlockAssignments, memoryStats } from 'kvbm-sequence';

const gc = (globalThis as { gc?: () => void }).gc;

describe('ownership', () => {
  it('free() releases the object in the module', () => {
    const before = memoryStats().liveObjects;
    const s = new BlockSequence([1, 2, 3], 2);
    expect(memoryStats().liveObjects).toBe(before + 1);
    s.free();
    expect(memoryStats().liveObjects).toBe(before);
    expect(s.isFreed).toBe(true);
  });

  it('using frees at the end of the block', () => {
    const before = memoryStats().liveObjects;
    {
      using a = new ExternalBlockAssignments();
      a.extendBlockIds([1]);
      expect(memoryStats().liveObjects).toBe(before + 1);
    }
    expect(memoryStats().liveObjects).toBe(before);
  });

  it('use after free throws TypeError naming the class', () => {
    const s = new BlockSequence([1, 2, 3], 2);
    s.free();
    expect(() => s.totalTokens).toThrow(TypeError);
    expect(() => s.extendTokens([1])).toThrow(/BlockSequence: the object has been freed/);
    const a = new ExternalBlockAssignments();
    a.free();
    expect(() => a.contains(1)).toThrow(/ExternalBlockAssignments: the object has been freed/);
  });

  it('a second free() throws TypeError; dispose after free is a no-op', () => {
    const s = new BlockSequence([], 2);
    s.free();
    expect(() => s.free()).toThrow(TypeError);
    expect(() => s[Symbol.dispose]()).not.toThrow();
  });

  it('a freed sequence cannot be staged from', () => {
    const s = new BlockSequence([1, 2, 3, 4], 2);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1]);
    s.free();
    expect(() => a.assignPending(s)).toThrow(TypeError);
    expect(a.unassignedCount).toBe(1);
  });

  it.skipIf(!gc)('the FinalizationRegistry frees what the user forgets', async () => {
    const before = memoryStats().liveObjects;
    (() => {
      for (let i = 0; i < 1000; i++) new BlockSequence([1, 2, 3], 2);
    })();
    for (let round = 0; round < 50 && memoryStats().liveObjects > before; round++) {
      gc?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(memoryStats().liveObjects).toBe(before);
  });
});
