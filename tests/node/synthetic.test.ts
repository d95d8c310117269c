// The synthetic workload: its prefix reuse computed by hand, replayed one request at a time on
// one unbounded worker (which then hits exactly the reuse the workload was built with).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatTrace, parseTrace, replayTrace, syntheticTrace } from 'kvbm-sequence';

const exact = { workers: 1, blockSize: 512, g1Tokens: 'unlimited', g2Tokens: null, concurrency: 1 } as const;

describe('syntheticTrace', () => {
  it('shares each group system prompt: every session after the first of its group hits it', () => {
    // 20 sessions in 4 groups; a 4,096-token prompt is 8 blocks of 512, half of them shared.
    const trace = syntheticTrace({ sessions: 20, prefixGroups: 4, sharedPrefixRatio: 0.5, inputTokens: 4096 });
    expect(trace.every((r) => r.inputLength === 4096 && r.hashIds.length === 8)).toBe(true);
    expect(replayTrace(trace, exact).g1HitTokens).toBe((20 - 4) * 4 * 512);
  });

  it('repeats a session conversation so far in each later turn', () => {
    // Turn prompts of 2, 4 and 6 blocks (prompt, then + reply + new user tokens each turn); a
    // turn hits the previous turn's prompt (the reply is new content): 0 + 2 + 4 blocks.
    const trace = syntheticTrace({
      sessions: 5,
      turnsPerSession: 3,
      prefixGroups: 5,
      inputTokens: 1024,
      outputTokens: 512,
      turnTokens: 512,
    });
    expect(trace.filter((r) => r.sessionId === 0).map((r) => r.hashIds.length)).toEqual([2, 4, 6]);
    expect(replayTrace(trace, exact).g1HitTokens).toBe(5 * (2 + 4) * 512);
  });

  it('is the same for the same seed, and round-trips through JSON lines', () => {
    const a = syntheticTrace({ sessions: 30, turnsPerSession: 2, seed: 7 });
    expect(syntheticTrace({ sessions: 30, turnsPerSession: 2, seed: 7 })).toEqual(a);
    expect(parseTrace(formatTrace(a))).toEqual(a);
  });

  it('refuses an unknown option or an impossible ratio, naming it', () => {
    expect(() => syntheticTrace({ session: 3 } as object)).toThrow(/unknown option session/);
    expect(() => syntheticTrace({ sharedPrefixRatio: 1.5 })).toThrow(/sharedPrefixRatio/);
  });

  it('kvbm-sequence synth prints the trace as JSON lines', () => {
    const out = execFileSync(process.execPath, ['dist/cli.js', 'synth', '--sessions', '4', '--turns', '2', '--seed', '3'], {
      encoding: 'utf8',
    });
    expect(parseTrace(out)).toEqual(syntheticTrace({ sessions: 4, turnsPerSession: 2, seed: 3 }));
  });
});
