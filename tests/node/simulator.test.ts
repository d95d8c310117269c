// The simulator's timing, report and policies through the public API, with answers computed by
// hand from SPEC §9 (block size 4, one hash id = 4 tokens, 1,000 prefill tokens/s, 10 ms decode).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  kvBytesPerToken,
  parseTimingTable,
  parseTrace,
  replayTrace,
  toDynoSimJson,
  type ReplayOptions,
  type TraceRequest,
} from 'kvbm-sequence';

const small: ReplayOptions = {
  workers: 1,
  blockSize: 4,
  traceBlockSize: 4,
  g1Tokens: 400,
  g2Tokens: null,
  prefillTokensPerSecond: 1000,
  decodeMsPerToken: 10,
};
const req = (timestamp: number, hashIds: number[], outputLength: number, extra: Partial<TraceRequest> = {}): TraceRequest => ({
  timestamp,
  inputLength: hashIds.length * 4,
  outputLength,
  hashIds,
  ...extra,
});

describe('timing of the engine passes (SPEC §9.1–§9.2)', () => {
  it('an isolated request: prefill then one decode step per token', () => {
    // 8 tokens at 1,000/s = 8 ms, + 10 ms decode in the same pass → 18; then 28, 38.
    const r = replayTrace([req(0, [1, 2], 3)], small);
    expect([r.ttftMs.p50, r.e2eMs.p50, r.itlMs.mean, r.tpotMs.mean, r.durationMs]).toEqual([18, 38, 10, 10, 38]);
  });

  it('two requests share the token budget: the second prompt is chunked into the next pass', () => {
    // Budget 10: pass 1 = r0's 8 + r1's 2 tokens (10 ms) + r0's decode (10 ms) → 20;
    // pass 2 = r1's last 6 tokens (6 ms) + its decode (10 ms) → 36.
    const r = replayTrace([req(0, [1, 2], 1), req(0, [3, 4], 1)], { ...small, maxNumBatchedTokens: 10, perRequest: true });
    expect(r.perRequest?.map((x) => x.ttftMs)).toEqual([20, 36]);
  });

  it('a full G1 preempts the newest request, which recomputes after the other completes', () => {
    // G1 = 4 blocks: r1 is preempted at its 9th token, r0 completes at 96, r1 recomputes 9
    // tokens (9 ms + 10 ms) → second token at 115, done at 175.
    const r = replayTrace([req(0, [1, 2], 8), req(0, [3, 4], 8)], { ...small, g1Tokens: 16, perRequest: true });
    expect(r.perRequest?.map((x) => x.e2eMs)).toEqual([96, 175]);
    expect(r.perWorker[0]?.preemptions).toBe(1);
  });

  it('the interpolated model reads the timing table', () => {
    // Prefill: lerp over (0 → 0 ms, 1000 → 100 ms) at 8 tokens = 0.8 ms; decode table flat 5 ms.
    const table = parseTimingTable(
      JSON.stringify({
        format: 'kvbm-sequence.timing-table',
        version: 1,
        prefill_isl: [0, 1000],
        prefill_ttft_ms: [0, 100],
        decode_active_kv_tokens: [0, 1000],
        decode_context_length: [0, 1000],
        decode_itl: [
          [5, 5],
          [5, 5],
        ],
      }),
    );
    const r = replayTrace([req(0, [1, 2], 2)], { ...small, timing: table });
    expect(r.ttftMs.p50).toBeCloseTo(5.8, 10);
    expect(r.e2eMs.p50).toBeCloseTo(10.8, 10);
  });

  it('copying a G2 hit into G1 takes tokens × bytes per token ÷ bandwidth', () => {
    // G1 holds 3 blocks. r0 (2 blocks) is written through to G2; r1 (3 blocks) evicts it from
    // G1. r2 = r0's prompt finds its first block in G2 only (the last prompt token is always
    // recomputed): the copy takes 4 tokens × 1e6 B ÷ 1 GB/s = 4 ms, then 4 tokens are computed
    // (4 ms) with the first token's decode step (10 ms) → TTFT 18.
    const opts = { ...small, g1Tokens: 12, g2Tokens: 400, kvBytesPerToken: 1e6, bandwidthG2ToG1Gbps: 1, perRequest: true } as const;
    const r = replayTrace([req(0, [1, 2], 1), req(100, [3, 4, 5], 1), req(200, [1, 2], 1)], opts);
    expect(r.perRequest?.[2]).toMatchObject({ g1HitTokens: 0, g2HitTokens: 4, ttftMs: 18 });
  });

  it('kvBytesPerToken follows the model shape (Llama-3.1-8B bf16: 131,072)', () => {
    expect(kvBytesPerToken({ layers: 32, kvHeads: 8, headDim: 128, dtypeBytes: 2 })).toBe(131_072);
  });
});

describe('the report (SPEC §9.3)', () => {
  it('goodput counts the completed requests meeting every SLO', () => {
    const r = replayTrace([req(0, [1, 2], 3), req(1000, [5, 6, 7, 8, 9, 10, 11, 12], 3)], { ...small, slo: { ttftMs: 20 } });
    expect(r.goodput?.completedRequests).toBe(1);
  });

  it('toDynoSimJson gives the DynoSim keys', () => {
    const j = toDynoSimJson(replayTrace([req(0, [1, 2], 3)], small));
    expect(j).toMatchObject({ median_ttft_ms: 18, p99_e2e_latency_ms: 38, completed_requests: 1, total_output_tokens: 3 });
  });

  it('the same seed gives the same report for every policy', () => {
    const trace = Array.from({ length: 80 }, (_, i) => req(i * 3, [i % 5, (i % 7) + 10, 100 + i], 4));
    for (const router of ['random', 'kv', 'kv-approx', 'sglang-cache-aware', 'llmd', 'session'] as const) {
      const run = () => {
        const {
          seconds: _s,
          requestsPerSecond: _r,
          ...rest
        } = replayTrace(trace, { ...small, workers: 3, router, temperature: 0.5, seed: 9 });
        return rest;
      };
      expect(run(), router).toEqual(run());
    }
  });
});

describe('trace inputs (SPEC §9.4)', () => {
  it("a session's next turn arrives its delay after the previous turn completes", () => {
    const text = [
      JSON.stringify({ timestamp: 0, input_length: 8, output_length: 3, hash_ids: [1, 2], session_id: 's' }),
      JSON.stringify({ timestamp: 5, input_length: 12, output_length: 1, hash_ids: [1, 2, 3], session_id: 's', delay: 100 }),
    ].join('\n');
    const r = replayTrace(parseTrace(text, { traceBlockSize: 4 }), { ...small, perRequest: true });
    expect(r.perRequest?.[1]?.arrivalMs).toBe(38 + 100);
    expect(r.perRequest?.[1]?.g1HitTokens).toBe(8);
  });

  it('a delay on a first turn is refused with its line', () => {
    const line = JSON.stringify({ timestamp: 0, input_length: 8, output_length: 1, hash_ids: [1, 2], session_id: 's', delay: 5 });
    expect(() => parseTrace(line)).toThrow(/trace line 1: delay is only allowed on a later turn/);
  });

  it('session affinity keeps every turn of a session on one worker', () => {
    const trace = Array.from({ length: 40 }, (_, i) => req(i * 50, [1000 + (i % 4), i], 2, { sessionId: i % 4 }));
    const r = replayTrace(trace, { ...small, workers: 3, router: 'session', sessionBase: 'round-robin', perRequest: true });
    for (let s = 0; s < 4; s++) {
      const workers = new Set(r.perRequest?.filter((_, i) => i % 4 === s).map((x) => x.worker));
      expect(workers.size).toBe(1);
    }
  });
});

describe('replay --compare', () => {
  it('prints one row per policy', () => {
    const out = execFileSync(
      process.execPath,
      ['dist/cli.js', 'replay', '../shared/data/mooncake-conversation.jsonl', '--limit', '200', '--compare', 'kv,round-robin,llmd'],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/\| policy +\| hit rate/);
    for (const p of ['kv', 'round-robin', 'llmd']) expect(out).toMatch(new RegExp(`\\| ${p} +\\|`));
  });
});
