// The replay's inputs, tried as a new user would: every mistake is a clear error naming the field
// (and the line, for files) before anything runs, or — a request too long for any block position —
// a skipped, counted request.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, replayTrace, type TraceRequest } from 'kvbm-sequence';

const request = (over: Record<string, unknown> = {}): TraceRequest =>
  ({ timestamp: 0, inputLength: 1024, outputLength: 8, hashIds: [1, 2], ...over }) as TraceRequest;

describe('replayTrace refuses what it cannot replay, naming it', () => {
  it("points at parseTrace when given the trace's own snake_case fields", () => {
    const raw = [{ timestamp: 0, input_length: 1024, output_length: 8, hash_ids: [1, 2] }] as unknown as TraceRequest[];
    expect(() => replayTrace(raw)).toThrow(/trace\[0\]\.inputLength .*snake_case.*parseTrace/);
  });

  it('names a hash id or a length that is not a non-negative integer', () => {
    expect(() => replayTrace([request(), request({ hashIds: ['a'] })])).toThrow(/trace\[1\]\.hashIds\[0\]/);
    expect(() => replayTrace([request({ inputLength: Number.NaN })])).toThrow(/trace\[0\]\.inputLength/);
  });

  it('refuses a prefill speed of 0, NaN or below, and a negative decode time', () => {
    for (const v of [0, Number.NaN, -100])
      expect(() => replayTrace([request()], { prefillTokensPerSecond: v })).toThrow(/prefillTokensPerSecond/);
    expect(() => replayTrace([request()], { decodeMsPerToken: -1 })).toThrow(RangeError);
  });

  it('refuses an option it does not know (a typo must not run the defaults)', () => {
    expect(() => replayTrace([request()], { worker: 8 } as unknown as object)).toThrow(/unknown option worker/);
  });

  it('skips and counts a request too long for any block position, and replays the rest', () => {
    const r = replayTrace([request(), request({ outputLength: 2 ** 31 }), request()], { workers: 1, router: 'round-robin' });
    expect([r.requests, r.skippedRequests, r.completedRequests]).toEqual([3, 1, 2]);
  });
});

describe('parseTrace', () => {
  it('names the line that is not JSON, and the field that is wrong', () => {
    const good = JSON.stringify({ timestamp: 0, input_length: 10, output_length: 1, hash_ids: [1] });
    expect(() => parseTrace(`${good}\n{"timestamp": 1,`)).toThrow(/trace line 2 is not JSON/);
    expect(() => parseTrace(`${good}\n${good.replace('"hash_ids":[1]', '"hash_ids":[1,"x"]')}`)).toThrow(/trace line 2: hash_ids\[1\]/);
  });
});

describe('the kvbm-sequence command', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 10_000 });

  it('refuses an unknown flag with the usage, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvbm-'));
    const file = join(dir, 'trace.jsonl');
    writeFileSync(file, JSON.stringify({ timestamp: 0, input_length: 10, output_length: 1, hash_ids: [1] }));
    const r = run('replay', file, '--worker', '8');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown flag --worker for replay/);
  });

  it('prints the usage for --help and -h of each command without reading stdin', () => {
    for (const args of [['hash', '--help'], ['replay', '-h'], ['--help']]) {
      const r = run(...args);
      expect([r.status, r.stdout.includes('usage:')]).toEqual([0, true]);
    }
  });
});
