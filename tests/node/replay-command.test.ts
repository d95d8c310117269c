// `kvbm-sequence replay`'s simulator flags, run as a user would: files in, files out, mistakes
// refused with the usage.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', 'replay', ...args], { encoding: 'utf8', timeout: 60_000 });
const dir = mkdtempSync(join(tmpdir(), 'kvbm-replay-'));
const trace = join(dir, 'trace.jsonl');
// Two requests of 8 tokens (trace block size 4), 3 output tokens each, 1 s apart.
writeFileSync(
  trace,
  [
    { timestamp: 0, input_length: 8, output_length: 3, hash_ids: [1, 2] },
    { timestamp: 1000, input_length: 8, output_length: 3, hash_ids: [3, 4] },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n'),
);
const common = ['--trace-block-size', '4', '--block-size', '4', '--workers', '1', '--prefill-tps', '1000', '--decode-ms', '10'];

describe('kvbm-sequence replay', () => {
  it('--per-request writes one JSON line per request with its times', () => {
    const out = join(dir, 'requests.jsonl');
    const r = run(trace, ...common, '--per-request', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // 8 tokens ÷ 1,000/s + one 10 ms decode step = 18 ms; then two more steps → 38 ms.
    expect(lines).toMatchObject([
      { arrivalMs: 0, worker: 0, ttftMs: 18, e2eMs: 38, status: 'completed' },
      { arrivalMs: 1000, worker: 0, ttftMs: 18, e2eMs: 38, status: 'completed' },
    ]);
    expect(JSON.parse(r.stdout)).not.toHaveProperty('perRequest');
  });

  it('--timing reads a timing table file', () => {
    const table = join(dir, 'table.json');
    writeFileSync(
      table,
      JSON.stringify({
        format: 'kvbm-sequence.timing-table',
        version: 1,
        prefill_isl: [0, 100],
        prefill_ttft_ms: [0, 100],
        decode_active_kv_tokens: [0, 100],
        decode_context_length: [0, 100],
        decode_itl: [
          [2, 2],
          [2, 2],
        ],
      }),
    );
    const r = run(trace, ...common, '--timing', table, '--json');
    expect(r.status, r.stderr).toBe(0);
    // 8 prompt tokens → 8 ms, + 2 ms decode = 10 ms.
    expect(JSON.parse(r.stdout).ttftMs.p50).toBe(10);
  });

  it('a timing table with a wrong key is refused naming it', () => {
    const table = join(dir, 'bad-table.json');
    writeFileSync(table, JSON.stringify({ format: 'kvbm-sequence.timing-table', version: 1, prefill_isl: [5, 1] }));
    const r = run(trace, '--timing', table);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/prefill_isl must be >= 2 strictly increasing/);
  });

  it('an unknown policy is a usage error listing the policies', () => {
    for (const args of [
      ['--router', 'kv-magic'],
      ['--compare', 'kv,best'],
    ]) {
      const r = run(trace, ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/must be one of round-robin, random, kv, kv-newest, kv-approx, sglang-cache-aware, llmd, session/);
    }
  });

  it('--slo-ttft reports goodput', () => {
    const r = run(trace, ...common, '--slo-ttft', '17', '--json');
    expect(JSON.parse(r.stdout).goodput.completedRequests).toBe(0);
    const ok = run(trace, ...common, '--slo-ttft', '18', '--json');
    expect(JSON.parse(ok.stdout).goodput.completedRequests).toBe(2);
  });

  it('--concurrency 1 dispatches the second request when the first completes', () => {
    const r = run(trace, ...common, '--concurrency', '1', '--per-request', join(dir, 'c.jsonl'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const second = JSON.parse(readFileSync(join(dir, 'c.jsonl'), 'utf8').trim().split('\n')[1] as string);
    expect(second.arrivalMs).toBe(38);
  });
});
