// Memory stays bounded: a million objects freed by hand, a million left to the garbage
// collector, and the bytes of WebAssembly memory per token and per assigned block.
import { describe, expect, it } from 'vitest';
import { BlockSequence, ExternalBlockAssignments, memoryStats } from 'kvbm-sequence';
import { freshInstance, type RawExports } from '../support/raw-module';

const gc = (globalThis as { gc?: () => void }).gc;
const MiB = 2 ** 20;
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Bound on WebAssembly memory growth while a million objects are freed by hand. */
const GROWTH_BOUND = 16 * MiB;
/** The same, left to the garbage collector: up to a few batches may be alive at once. */
const GC_GROWTH_BOUND = 32 * MiB;

describe('memory', () => {
  it('creating and freeing 1,000,000 objects leaves memory bounded', () => {
    const start = memoryStats();
    const tokens = new Uint32Array(40).map((_, i) => i);
    for (let i = 0; i < 500_000; i++) {
      const s = new BlockSequence(tokens, 16);
      const a = new ExternalBlockAssignments();
      a.extendBlockIds([i, i + 1]);
      a.assignPending(s);
      a.free();
      s.free();
    }
    const end = memoryStats();
    console.log(`1,000,000 objects freed by hand: WebAssembly memory ${start.memoryBytes / MiB} → ${end.memoryBytes / MiB} MiB`);
    expect(end.liveObjects).toBe(start.liveObjects);
    expect(end.memoryBytes - start.memoryBytes).toBeLessThan(GROWTH_BOUND);
  });

  it.skipIf(!gc)('1,000,000 objects left to the FinalizationRegistry leave memory bounded', async () => {
    const start = memoryStats();
    let peakLive = 0;
    const tokens = new Uint32Array(40).map((_, i) => i);
    for (let batch = 0; batch < 100; batch++) {
      (() => {
        for (let i = 0; i < 5_000; i++) {
          new BlockSequence(tokens, 16);
          new ExternalBlockAssignments().extendBlockIds([i]);
        }
      })();
      peakLive = Math.max(peakLive, memoryStats().liveObjects);
      gc?.();
      await tick();
    }
    for (let round = 0; round < 100 && memoryStats().liveObjects > start.liveObjects; round++) {
      gc?.();
      await tick();
    }
    const end = memoryStats();
    console.log(
      `1,000,000 objects left to the GC: WebAssembly memory ${start.memoryBytes / MiB} → ${end.memoryBytes / MiB} MiB, peak ${peakLive} live`,
    );
    expect(end.liveObjects).toBe(start.liveObjects);
    expect(end.memoryBytes - start.memoryBytes).toBeLessThan(GC_GROWTH_BOUND);
  });

  /**
   * Bytes the allocator holds (memoryStats().heapBytes: what the objects asked for) per unit, over
   * `n` more copies after a first one, in a fresh instance. Linear memory itself grows in big
   * steps ahead of need, so its size says little about one object.
   */
  function growthPer(make: (raw: RawExports) => void, units: number, n = 4): number {
    const raw = freshInstance();
    const heap = (): number => {
      expect(raw.kv_live_objects()).toBe(0);
      return new Uint32Array(raw.memory.buffer, raw.kv_ret_ptr(), 16)[1] as number;
    };
    make(raw); // the first also grows the input buffer, reused afterwards
    const before = heap();
    for (let i = 0; i < n; i++) make(raw);
    return (heap() - before) / (n * units);
  }

  it('a 1,000,000-token sequence (block size 16) costs about 5.5 bytes per token', () => {
    const perToken = growthPer((raw) => {
      const ptr = raw.kv_input(1_000_000);
      new Uint32Array(raw.memory.buffer, ptr, 1_000_000).fill(7);
      expect(raw.kv_seq_new(1_000_000, 16, 1337, 0)).toBe(0);
    }, 1_000_000);
    console.log(`BlockSequence: ${perToken.toFixed(2)} bytes of heap per token (block size 16)`);
    // 4 bytes of token + a 24-byte block per 16 tokens = 5.5, plus allocator rounding.
    expect(perToken).toBeLessThan(6);
  });

  it('a 100,000-block assignment record costs a bounded number of bytes per block', () => {
    let seq: [number, number] = [0, 0];
    const perBlock = growthPer((raw) => {
      const ret = () => new Uint32Array(raw.memory.buffer, raw.kv_ret_ptr(), 16);
      if (seq[1] === 0) {
        const ptr = raw.kv_input(400_000);
        new Uint32Array(raw.memory.buffer, ptr, 400_000).forEach((_, i, a) => (a[i] = i));
        expect(raw.kv_seq_new(400_000, 4, 0, 0)).toBe(0);
        seq = [ret()[0] as number, ret()[1] as number];
      }
      const ptr = raw.kv_input(100_000);
      new Uint32Array(raw.memory.buffer, ptr, 100_000).forEach((_, i, a) => (a[i] = i * 7));
      expect(raw.kv_asg_new(0)).toBe(0);
      const [index, generation] = [ret()[0] as number, ret()[1] as number];
      expect(raw.kv_asg_extend_ids(index, generation, 100_000)).toBe(0);
      expect(raw.kv_asg_assign(index, generation, seq[0], seq[1], 0, 0xffffffff)).toBe(0);
      expect(ret()[1]).toBe(100_000);
    }, 100_000);
    console.log(`ExternalBlockAssignments: ${perBlock.toFixed(2)} bytes of heap per assigned block`);
    // id 4 + lineage hash 16 + id set ~7, plus the emptied id queue's 4.
    expect(perBlock).toBeLessThan(40);
  });
});

describe('router index memory', () => {
  it('reports bytes per indexed block and returns to its baseline when every worker is removed', async () => {
    const { KvIndex, memoryStats } = await import('kvbm-sequence');
    const index = new KvIndex();
    const empty = index.memoryBytes;
    const workers = 16;
    const perWorker = 4096;
    for (let w = 0; w < workers; w++) {
      // Workers share the first half of their blocks' paths (a common system prompt).
      const blocks = Array.from({ length: perWorker }, (_, i) => ({
        blockHash: (BigInt(w) << 32n) | BigInt(i),
        tokensHash: BigInt(i < perWorker / 2 ? i : i + w * perWorker),
      }));
      expect(index.applyEvent({ type: 'stored', workerId: w, blocks })).toBe('ok');
    }
    const full = index.memoryBytes;
    const perBlock = (full - empty) / index.size;
    console.log(
      `KvIndex: ${index.size} entries, ${index.nodeCount} nodes, ${(full / 2 ** 20).toFixed(1)} MiB, ${perBlock.toFixed(1)} bytes per (worker, block) entry`,
    );
    expect(perBlock).toBeLessThan(200);
    const wasm = memoryStats().memoryBytes;
    for (let w = 0; w < workers; w++) index.removeWorker(w);
    expect([index.size, index.nodeCount]).toEqual([0, 0]);
    // The maps keep their capacity; the nodes' own memory returns. A second fill reuses it:
    for (let w = 0; w < workers; w++) {
      index.applyEvent({ type: 'stored', workerId: w, blocks: [{ blockHash: 1n, tokensHash: BigInt(w) }] });
      index.removeWorker(w);
    }
    expect(memoryStats().memoryBytes).toBe(wasm);
    index.clear();
    expect(index.memoryBytes).toBe(empty);
    index.free();
  });
});

describe('pool and replay memory', () => {
  it('reports bytes per block for a pool of 1,000,000 blocks, all registered', async () => {
    const { BlockSequence, TierPool, memoryStats } = await import('kvbm-sequence');
    const before = memoryStats().memoryBytes;
    const pool = new TierPool({ capacity: 1_000_000, blockSize: 1, saltHash: 0n });
    const empty = pool.memoryBytes;
    const seq = new BlockSequence(
      Uint32Array.from({ length: 1_000_000 }, (_, i) => i),
      1,
      0n,
    );
    pool.register(pool.allocate(1_000_000), seq);
    pool.release(pool.blocks().map((b) => b.id));
    const full = pool.memoryBytes;
    console.log(
      `TierPool: ${(empty / 1e6).toFixed(1)} bytes/block empty, ${(full / 1e6).toFixed(1)} bytes/block with every block registered; WebAssembly memory ${(before / 2 ** 20).toFixed(0)} → ${(memoryStats().memoryBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(pool.inactiveCount).toBe(1_000_000);
    expect(full / 1e6).toBeLessThan(120);
    pool.free();
    seq.free();
  });

  it('states WebAssembly memory before and after a replay of 2,000 requests', async () => {
    const { parseTrace, replayTrace, memoryStats } = await import('kvbm-sequence');
    const { readFileSync } = await import('node:fs');
    const trace = parseTrace(readFileSync('../shared/data/mooncake-conversation.jsonl', 'utf8'));
    const before = memoryStats();
    const r = replayTrace(trace, { limit: 2000, router: 'round-robin' });
    const after = memoryStats();
    console.log(
      `replay of ${r.requests} requests: WebAssembly memory ${(before.memoryBytes / 2 ** 20).toFixed(0)} → ${(after.memoryBytes / 2 ** 20).toFixed(0)} MiB, live objects ${before.liveObjects} → ${after.liveObjects}`,
    );
    expect(after.liveObjects).toBe(before.liveObjects);
  });
});

describe('memoryStats', () => {
  const tokens = new Uint32Array(4096).map((_, i) => i * 7 + 1);

  it('counts the bytes objects hold and the objects freed by hand', () => {
    const start = memoryStats();
    const seqs = Array.from({ length: 100 }, () => new BlockSequence(tokens, 16));
    const held = memoryStats();
    // 4,096 tokens of 4 bytes each, at least, per sequence.
    expect(held.heapBytes - start.heapBytes).toBeGreaterThan(100 * 4096 * 4);
    expect(held.liveObjects - start.liveObjects).toBe(100);
    seqs.forEach((s) => s.free());
    const end = memoryStats();
    expect(end.heapBytes).toBeLessThanOrEqual(start.heapBytes);
    expect(end.freedByHand - start.freedByHand).toBe(100);
    expect(end.liveObjects).toBe(start.liveObjects);
  });

  it('shows objects left to the collector: alive during a synchronous loop, released after it yields', async () => {
    if (!gc) throw new Error('run with --expose-gc');
    const start = memoryStats();
    for (let i = 0; i < 200; i++) void new BlockSequence(tokens, 16).blockCount;
    // Nothing can be collected while this code runs.
    expect(memoryStats().liveObjects - start.liveObjects).toBe(200);
    for (let i = 0; i < 20 && memoryStats().liveObjects > start.liveObjects; i++) {
      gc();
      await tick();
    }
    const end = memoryStats();
    expect(end.liveObjects).toBe(start.liveObjects);
    expect(end.collectedObjects - start.collectedObjects).toBeGreaterThanOrEqual(200);
    expect(end.collectorAvailable).toBe(true);
  });
});
