// `npm run demo:router`: 4 simulated engines and a router on 127.0.0.1, the multi-turn
// conversations of the Mooncake trace's first 1,000 requests replayed over HTTP at 50× speed,
// once with the KV-aware policy and once round-robin (fresh engines each time); prints one table.
import { median, mooncakeLoad, runLoad, startCommand, startEngine, stopAll, type Outcome } from '../tests/support/cluster';

const ENGINE = ['--block-size', '16', '--g1-tokens', '200000', '--prefill-tps', '6000', '--decode-ms', '1'];

async function run(policy: string): Promise<Outcome[]> {
  const engines = await Promise.all([0, 1, 2, 3].map((id) => startEngine(id, ENGINE)));
  const args = ['route', '--port', '0', '--block-size', '16', '--policy', policy, '--seed', '1'];
  for (const e of engines) args.push('--engine', e.spec);
  const router = await startCommand(args);
  await new Promise((r) => setTimeout(r, 300));
  try {
    return await runLoad([router.url], mooncakeLoad(1_000, { multiTurn: true, speedup: 50, tokensPerId: 16, maxIds: 24, maxTokens: 4 }));
  } finally {
    await stopAll();
  }
}

function percentile(xs: number[], q: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? NaN;
}

const rows: string[][] = [['policy', 'requests', 'ok', 'prompt hit rate', 'TTFT p50', 'TTFT p99']];
for (const policy of ['kv', 'round-robin']) {
  process.stderr.write(`demo:router: ${policy}…\n`);
  const out = await run(policy);
  const prompt = mooncakeLoad(1_000, { multiTurn: true, speedup: 50, tokensPerId: 16, maxIds: 24, maxTokens: 4 }).reduce(
    (s, r) => s + r.tokens.length,
    0,
  );
  const cached = out.reduce((s, o) => s + o.cachedTokens, 0);
  const ttft = out.map((o) => o.ttftMs);
  rows.push([
    policy,
    String(out.length),
    String(out.filter((o) => o.ok).length),
    `${((100 * cached) / prompt).toFixed(1)} %`,
    `${median(ttft).toFixed(1)} ms`,
    `${percentile(ttft, 0.99).toFixed(1)} ms`,
  ]);
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(widths[c]!)).join(' | ')} |`;
console.log(line(rows[0]!));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log('\n4 simulated engines (prefill 6,000 tokens/s, decode 1 ms/token, block size 16), one router, 378 requests');
