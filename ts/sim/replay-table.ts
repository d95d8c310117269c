/**
 * A replay's report as text: the table `kvbm-sequence replay` prints, and the one-line-per-policy
 * table of `--compare`.
 *
 * Place: `ts/sim/replay-table.ts`.
 * @module
 */

import type { ReplayResult } from './replay.js';

/** A whole number with thousands separators. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `a / b` as a percentage with one decimal. */
export const pct = (a: number, b: number): string => (b === 0 ? '0.0 %' : `${((100 * a) / b).toFixed(1)} %`);

const ms = (n: number): string => `${fmt(n)} ms`;

/** The settings line of a result. */
function settingsLine(r: ReplayResult): string {
  const s = r.settings;
  const tier = (t: number | 'unlimited' | null) => (t === null ? 'none' : t === 'unlimited' ? 'unlimited' : `${fmt(t)} tokens/worker`);
  const timing =
    typeof s.timing === 'object'
      ? 'timing table'
      : s.timing === 'fixed'
        ? `prefill ${fmt(s.prefillTokensPerSecond)} tokens/s, decode ${s.decodeMsPerToken} ms/step`
        : 'polynomial timing';
  return `settings: ${s.workers} workers, block size ${s.blockSize}, G1 ${tier(s.g1Tokens)}, G2 ${tier(s.g2Tokens)}, router ${s.router}, ${s.eviction}, ${timing}, budget ${fmt(s.maxNumBatchedTokens)} tokens/pass, ${s.maxNumSeqs} seqs${s.concurrency > 0 ? `, concurrency ${s.concurrency}` : ''}`;
}

/** The replay's table, as the CLI and `npm run demo` print it. */
export function replayTable(r: ReplayResult): string {
  const lat = (name: string, x: { p50: number; p90: number; p99: number; mean: number }): [string, string] => [
    name,
    `p50 ${ms(x.p50)}, p90 ${ms(x.p90)}, p99 ${ms(x.p99)}, mean ${ms(x.mean)}`,
  ];
  const rows: [string, string][] = [
    [
      'requests',
      `${fmt(r.requests)} (${fmt(r.completedRequests)} completed, ${fmt(r.rejectedRequests)} rejected${r.skippedRequests > 0 ? `, ${fmt(r.skippedRequests)} skipped` : ''})`,
    ],
    ['prompt tokens', fmt(r.promptTokens)],
    ['hit in G1 (device)', `${fmt(r.g1HitTokens)} tokens, ${pct(r.g1HitTokens, r.promptTokens)}`],
    ['hit in G2 (host, onboarded)', `${fmt(r.g2HitTokens)} tokens, ${pct(r.g2HitTokens, r.promptTokens)}`],
    ['computed', `${fmt(r.computedTokens)} tokens, ${pct(r.computedTokens, r.promptTokens)}`],
    lat('TTFT', r.ttftMs),
    lat('ITL (every gap)', r.itlMs),
    lat('E2E', r.e2eMs),
    [
      'throughput',
      `${r.requestThroughputRps.toFixed(2)} requests/s, ${fmt(r.outputThroughputTokS)} output tokens/s over ${fmt(r.durationMs / 1000)} s`,
    ],
    ...(r.goodput
      ? [
          [
            'goodput',
            `${fmt(r.goodput.completedRequests)} requests met the SLOs, ${r.goodput.requestThroughputRps.toFixed(2)} requests/s`,
          ] as [string, string],
        ]
      : []),
    ['onboarded blocks (G2 → G1)', fmt(r.onboardedBlocks)],
    ['offloaded blocks (G1 → G2)', fmt(r.offloadedBlocks)],
    ['evicted blocks', `${fmt(r.evictedBlocks)} (G1 ${fmt(r.g1EvictedBlocks)}, G2 ${fmt(r.g2EvictedBlocks)})`],
    ...r.perWorker.map((w): [string, string] => [
      `worker ${w.workerId}`,
      `${fmt(w.requests)} requests, ${fmt(w.promptTokens)} prompt tokens, hit ${pct(w.hitTokens, w.promptTokens)}, peak ${fmt(w.peakRunning)} running, ${fmt(w.preemptions)} preemptions`,
    ]),
    ['replay speed', `${fmt(r.requestsPerSecond)} requests/s (${r.seconds.toFixed(1)} s)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [settingsLine(r), ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)].join('\n');
}

/** One row per policy: hit rate, TTFT p50/p99, E2E p50, throughput, preemptions, run time. */
export function compareTable(results: readonly ReplayResult[]): string {
  const head = ['policy', 'hit rate', 'TTFT p50', 'TTFT p99', 'E2E p50', 'requests/s', 'output tok/s', 'preemptions', 'run time'];
  const rows = results.map((r) => [
    r.settings.router,
    pct(r.g1HitTokens + r.g2HitTokens, r.promptTokens),
    ms(r.ttftMs.p50),
    ms(r.ttftMs.p99),
    ms(r.e2eMs.p50),
    r.requestThroughputRps.toFixed(2),
    fmt(r.outputThroughputTokS),
    fmt(r.perWorker.reduce((n, w) => n + w.preemptions, 0)),
    `${r.seconds.toFixed(1)} s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  const first = results[0];
  return [
    ...(first ? [settingsLine(first).replace(/, router [^,]+/, '')] : []),
    '',
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
