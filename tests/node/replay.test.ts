// SPEC §8 and the trace replay: the simulated worker's flow, the replay's rules, the CLI, and the
// consistency check against the trace's own prefix reuse, counted independently from the JSON.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SimulatedWorker, parseTrace, promptTokens, replayTrace, type TraceRequest } from 'kvbm-sequence';
import { REPLAY_FIGURES } from '../support/replay';

const TRACE = '../shared/data/mooncake-conversation.jsonl';
const text = readFileSync(TRACE, 'utf8');
const trace = parseTrace(text);
const tokens = (blocks: number, seed: number) => Array.from({ length: blocks * 4 }, (_, i) => seed * 100_000 + i);

describe('SimulatedWorker (SPEC §8)', () => {
  it('computes a new prompt, registers it in G1 and writes it through to G2', () => {
    const w = new SimulatedWorker({ workerId: 0, blockSize: 4, g1Blocks: 32, g2Blocks: 32 });
    const f = w.admit('a', tokens(8, 1), [7, 7]);
    expect(f).toEqual({
      promptTokens: 32,
      g1HitTokens: 0,
      g2HitTokens: 0,
      computedTokens: 32,
      onboardedBlocks: 0,
      offloadedBlocks: 8,
      rejected: false,
    });
    w.finish('a');
    expect([w.g1.inactiveCount, w.g2?.inactiveCount]).toEqual([8, 8]);
    w.free();
  });

  it('hits G1 for a prompt it has cached', () => {
    const w = new SimulatedWorker({ workerId: 0, blockSize: 4, g1Blocks: 32, g2Blocks: null });
    w.admit('a', tokens(8, 1));
    w.finish('a');
    expect(w.admit('b', [...tokens(8, 1), 1, 2]).g1HitTokens).toBe(32);
    w.free();
  });

  it('onboards from G2 what G1 evicted, through the zipAssignedPending plan', () => {
    const w = new SimulatedWorker({ workerId: 0, blockSize: 4, g1Blocks: 10, g2Blocks: 32 });
    w.admit('a', tokens(8, 1));
    w.finish('a');
    w.admit('b', tokens(8, 2)); // evicts a's blocks from G1
    w.finish('b');
    const f = w.admit('c', tokens(8, 1));
    expect([f.g1HitTokens, f.g2HitTokens, f.onboardedBlocks, f.computedTokens]).toEqual([0, 32, 8, 0]);
    w.free();
  });

  it('rejects a request G1 cannot hold, holding nothing', () => {
    const w = new SimulatedWorker({ workerId: 0, blockSize: 4, g1Blocks: 4, g2Blocks: null });
    expect(w.admit('big', tokens(8, 1)).rejected).toBe(true);
    expect([w.g1.freeCount, w.runningRequests]).toEqual([4, 0]);
    w.free();
  });

  it('registers decode blocks as they fill', () => {
    const w = new SimulatedWorker({ workerId: 0, blockSize: 4, g1Blocks: 32, g2Blocks: null });
    w.admit('a', tokens(2, 1), [1, 2, 3, 4, 5]);
    expect(w.g1.activeCount).toBe(4); // 2 prompt blocks, 1 filled by decode, 1 partial
    w.finish('a');
    expect([w.g1.inactiveCount, w.g1.activeCount]).toEqual([3, 0]);
    w.free();
  });
});

describe('replaying the Mooncake trace', () => {
  it('makes the same tokens for the same hash id, cut to the input length', () => {
    const a: TraceRequest = { timestamp: 0, inputLength: 600, outputLength: 0, hashIds: [5, 9] };
    const b: TraceRequest = { timestamp: 0, inputLength: 512, outputLength: 0, hashIds: [5] };
    const [ta, tb] = [promptTokens(a), promptTokens(b)];
    expect(ta.length).toBe(600);
    expect([...ta.subarray(0, 512)]).toEqual([...tb]);
  });

  it("hits exactly the trace's own prefix reuse with one unbounded worker, one request at a time (block size 512, no G2)", () => {
    // Independent count: a request's leading full blocks whose ids were seen before.
    const seen = new Set<number>();
    let expected = 0;
    for (const line of text.trim().split('\n')) {
      const r = JSON.parse(line) as { input_length: number; hash_ids: number[] };
      const full = Math.floor(r.input_length / 512);
      let k = 0;
      while (k < full && seen.has(r.hash_ids[k] as number)) k++;
      expected += k * 512;
      for (let i = 0; i < full; i++) seen.add(r.hash_ids[i] as number);
    }
    const r = replayTrace(trace, {
      workers: 1,
      blockSize: 512,
      g1Tokens: 'unlimited',
      g2Tokens: null,
      router: 'round-robin',
      concurrency: 1,
    });
    expect(r.requests).toBe(12_031);
    expect(r.rejectedRequests).toBe(0);
    expect(r.g1HitTokens).toBe(expected);
    expect(r.g1HitTokens).toBe(54_063_104);
  });

  it('routes by KV overlap to more hits than round-robin', () => {
    const opts = { workers: 4, blockSize: 64, limit: 800, g2Tokens: null } as const;
    const kv = replayTrace(trace, { ...opts, router: 'kv' });
    const rr = replayTrace(trace, { ...opts, router: 'round-robin' });
    expect(kv.g1HitTokens).toBeGreaterThan(rr.g1HitTokens);
    expect(rr.perWorker.map((w) => w.requests)).toEqual([200, 200, 200, 200]);
  });

  it('adds up: computed + hits = prompt tokens of admitted requests', () => {
    const r = replayTrace(trace, { limit: 600, blockSize: 32, g1Tokens: 200_000, g2Tokens: 2_000_000 });
    expect(r.g1HitTokens + r.g2HitTokens + r.computedTokens).toBeLessThanOrEqual(r.promptTokens);
    expect(r.evictedBlocks).toBe(r.g1EvictedBlocks + r.g2EvictedBlocks);
    expect(r.g1EvictedBlocks).toBeGreaterThan(0);
    expect(r.g2HitTokens).toBeGreaterThan(0);
  });
});

describe('the kvbm-sequence command', () => {
  const cli = (...args: string[]) => execFileSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8' });

  it("replay --json prints the replay's figures", () => {
    const out = JSON.parse(
      cli('replay', TRACE, '--limit', '100', '--block-size', '512', '--workers', '2', '--no-g2', '--router', 'round-robin', '--json'),
    );
    const r = replayTrace(trace, { limit: 100, blockSize: 512, workers: 2, g2Tokens: null, router: 'round-robin' });
    for (const k of REPLAY_FIGURES) {
      expect(out[k], k).toBe(r[k]);
    }
  });

  it('replay prints a table', () => {
    const out = cli('replay', TRACE, '--limit', '50', '--g1-tokens', 'unlimited', '--g2-tokens', 'unlimited');
    expect(out).toMatch(/hit in G1 \(device\)/);
    expect(out).toMatch(/replay speed/);
  });

  it('hash gives the SPEC §1.2 known answers', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, ['dist/cli.js', 'hash', '-', '--block-size', '4', '--json'], {
        input: '[1,2,3,4,5,6,7,8,9,10,11,12]',
        encoding: 'utf8',
      }),
    );
    expect(out.sequenceHashes).toEqual(['14643705804678351452', '4945711292740353085', '12583592247330656132']);
  });

  it('exits 2 with the usage on bad arguments', () => {
    for (const args of [[], ['replay'], ['replay', TRACE, '--router', 'x'], ['replay', TRACE, '--workers', '0'], ['nope']]) {
      const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
    }
  });
});
