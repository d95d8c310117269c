// Hostile input for the pool layer: every new function and argument with wrong values. Each call
// throws TypeError, RangeError or BlockSequenceError with a message; nothing changes.
import { describe, expect, it } from 'vitest';
import { BlockSequence, ExternalBlockAssignments, SimulatedWorker, TierPool, parseTrace, replayTrace } from 'kvbm-sequence';

const NUMBER_BAD: unknown[] = [NaN, Infinity, -1, 1.5, 2 ** 32, '1', 1n, null, {}, []];
const LIST_BAD: unknown[] = [null, 5, 'x', [1, -1], [1.5], [2 ** 32], ['1'], new Float64Array(2), { length: 1 }];

function state(p: TierPool): unknown {
  return [p.blocks(), p.freeCount, p.activeCount, p.inactiveCount];
}

describe('TierPool refuses wrong arguments and changes nothing', () => {
  const seq = new BlockSequence(
    Array.from({ length: 16 }, (_, i) => i),
    4,
    1337n,
  );
  const fresh = () => {
    const p = new TierPool({ capacity: 4, blockSize: 4, saltHash: 1337n });
    p.register(p.allocate(2), seq);
    return p;
  };

  it('constructor', () => {
    for (const bad of [
      null,
      5,
      {},
      { capacity: 4 },
      { capacity: -1, blockSize: 4 },
      { capacity: 4, blockSize: 0 },
      { capacity: 4, blockSize: 4, eviction: 'mru' },
      { capacity: 4, ids: [1], blockSize: 4 },
      { ids: [1, 1], blockSize: 4 },
      { capacity: 4, blockSize: 4, saltHash: -1n },
    ]) {
      expect(() => new TierPool(bad as never), String(Object.keys(bad ?? {}))).toThrow(/must|duplicate|give/);
    }
  });

  for (const [name, call] of [
    ['allocate(n)', (p: TierPool, v: unknown) => p.allocate(v as number)],
    ['release(ids)', (p: TierPool, v: unknown) => p.release(v as number[])],
    ['register(ids)', (p: TierPool, v: unknown) => p.register(v as number[], seq, 2)],
    ['register(…, start)', (p: TierPool, v: unknown) => p.register([2], seq, v as number)],
    ['match(…, from)', (p: TierPool, v: unknown) => p.match(seq, v as number)],
    ['block(id)', (p: TierPool, v: unknown) => p.block(v as number)],
  ] as const) {
    it(name, () => {
      const p = fresh();
      const before = state(p);
      const values = name.includes('ids') ? LIST_BAD : NUMBER_BAD;
      for (const v of values) {
        if (name === 'match(…, from)' && v === 2 ** 32) continue; // a position past every block: matches nothing
        expect(() => call(p, v), `${name} ${String(v)}`).toThrow();
      }
      expect(state(p)).toEqual(before);
      p.free();
    });
  }

  it('match and register refuse what is not a sequence (or a freed one)', () => {
    const p = fresh();
    const freed = new BlockSequence([1, 2, 3, 4], 4, 1337n);
    freed.free();
    for (const bad of [null, {}, [1], freed, new ExternalBlockAssignments()]) {
      expect(() => p.match(bad as BlockSequence)).toThrow(TypeError);
      expect(() => p.register([2], bad as BlockSequence)).toThrow(TypeError);
    }
    expect(() => p.match([{} as never])).toThrow(TypeError);
    expect(() => p.idOf(5 as never)).toThrow(TypeError);
    expect([p.freeCount, p.inactiveCount]).toEqual([2, 0]); // cached, then dropped by free()
    p.free();
    expect(() => p.allocate(1)).toThrow(TypeError);
    expect(() => p.freeCount).toThrow(TypeError);
    expect(() => p.inactiveCount).toThrow(TypeError);
  });
});

describe('records, workers and the replay refuse wrong arguments', () => {
  it('truncateFrom, stage options, restore', () => {
    const a = new ExternalBlockAssignments();
    for (const v of [NaN, -1, 1.5, '1', null]) expect(() => a.truncateFrom(v as number)).toThrow();
    const s = new BlockSequence([1, 2, 3, 4], 4);
    expect(() => a.assignPending(s, 5 as never)).toThrow(TypeError);
    for (const b of [null, 'x', new Uint8Array(3), new Uint8Array(12), s.snapshot()]) {
      expect(() => ExternalBlockAssignments.restore(b as Uint8Array)).toThrow(TypeError);
      expect(() => TierPool.restore(b as Uint8Array)).toThrow(TypeError);
    }
    expect(() => BlockSequence.restore(a.snapshot())).toThrow(TypeError);
    expect(a.assignedCount).toBe(0);
  });

  it('SimulatedWorker', () => {
    const w = new SimulatedWorker({ workerId: 0, blockSize: 4, g1Blocks: 8 });
    expect(() => w.admit('a', [1, -2])).toThrow(RangeError);
    expect(() => w.finish('nope')).toThrow(RangeError);
    w.admit('a', [1, 2, 3, 4]);
    expect(() => w.admit('a', [1, 2, 3, 4])).toThrow(RangeError);
    expect(() => new SimulatedWorker({ workerId: 0, blockSize: 0, g1Blocks: 8 })).toThrow(RangeError);
    w.free();
  });

  it('parseTrace and replayTrace', () => {
    expect(() => parseTrace('{"timestamp": 0}')).toThrow(TypeError);
    expect(() => parseTrace('not json')).toThrow(SyntaxError);
    expect(() => parseTrace(5 as never)).toThrow(TypeError);
    const trace = parseTrace('{"timestamp": 0, "input_length": 8, "output_length": 1, "hash_ids": [1]}');
    expect(() => replayTrace(trace, { workers: 0 })).toThrow(RangeError);
    expect(() => replayTrace(trace, { router: 'best' as 'kv' })).toThrow(TypeError);
    expect(() => replayTrace(trace, { g1Tokens: -5 })).toThrow(RangeError);
  });
});
