/**
 * The `kvbm-sequence` command:
 * - `kvbm-sequence replay <trace.jsonl> [options]`: replays a Mooncake-format trace through
 *   simulated workers and a router, prints a table (or `--json`).
 * - `kvbm-sequence synth [options]`: a synthetic trace (prefix groups, sessions) as JSON lines.
 * - `kvbm-sequence hash [file|-] [options]`: block and sequence hashes of tokens (whitespace-
 *   or comma-separated integers, or a JSON array), for operators who compare with an engine.
 * - `kvbm-sequence engine …` / `route …`: a simulated vLLM engine and the KV-aware HTTP router
 *   (`ts/serve/`).
 *
 * Place: `ts/entries/cli.ts`.
 * @module
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { engineCommand, FlagError, routeCommand, SERVE_FLAGS } from '../serve/commands.js';
import { compareTable, pct, replayTable } from '../sim/replay-table.js';
import {
  computeBlockHashes,
  computeSaltHash,
  computeSequenceHashes,
  parseTrace,
  replayTrace,
  parseTimingTable,
  REPLAY_POLICIES,
  formatTrace,
  syntheticTrace,
  type SyntheticOptions,
  type ReplayOptions,
  type ReplayPolicy,
} from 'kvbm-sequence';

const USAGE = `usage:
  kvbm-sequence replay <trace.jsonl> [--workers N] [--block-size B] [--g1-tokens X|unlimited]
                       [--g2-tokens Y|unlimited] [--no-g2] [--router POLICY] [--compare P,Q,…|all]
                       [--eviction lru|fifo] [--timing fixed|polynomial|FILE.json]
                       [--prefill-tps T] [--decode-ms D] [--max-num-seqs N]
                       [--max-num-batched-tokens N] [--kv-bytes-per-token N]
                       [--overlap-weight W] [--temperature T] [--seed N]
                       [--trace-block-size N] [--arrival-speedup R] [--concurrency N]
                       [--slo-ttft MS] [--slo-itl MS] [--slo-e2e MS]
                       [--per-request FILE] [--limit N] [--json]
                       policies: ${REPLAY_POLICIES.join(', ')}
  kvbm-sequence synth [--sessions N] [--turns T] [--prefix-groups G] [--shared-prefix-ratio R]
                      [--input-tokens N] [--output-tokens N] [--turn-tokens N] [--rate R]
                      [--think-ms MS] [--trace-block-size N] [--seed S]     (JSON lines on stdout)
  kvbm-sequence hash [file|-] [--block-size B] [--salt-hash S | --salt TEXT --lora NAME] [--json]
  kvbm-sequence engine [--port P] [--worker-id N] [--block-size B] [--g1-tokens X]
                       [--prefill-tps T] [--decode-ms D] [--kv-events tcp://HOST:PORT]
                       [--kv-replay tcp://HOST:PORT]
  kvbm-sequence route --engine http://HOST:PORT[,events=tcp://…][,replay=tcp://…][,id=N] …
                      | --engines FILE.json  [--port P] [--block-size B]
                      [--policy kv|round-robin|random] [--cost-model classic|newest]
                      [--overlap-score-weight W] [--overlap-score-credit C] [--prefill-load-scale S]
                      [--host-cache-hit-weight H] [--disk-cache-hit-weight D] [--temperature T]
                      [--seed N] [--busy-prefill-tokens N] [--busy-decode-blocks F]
                      [--when-busy refuse|defer] [--nats URL --router-id N] [--tokenizer FILE]
                      [--reserve-mib M]

defaults: --workers 4 --block-size 16 --g1-tokens 1000000 --g2-tokens 4000000 (per worker)
          --router kv --eviction lru --prefill-tps 10000 --decode-ms 20
          engine: --port 8000 --worker-id 0 --block-size 16 --g1-tokens 1000000
          route: --port 8080 --block-size 16 --policy kv (Dynamo's classic cost)`;

class UsageError extends Error {}

/** The flags each command takes; any other is a usage error (a typo must not run the defaults). */
const FLAGS: Record<string, readonly string[]> = {
  replay: [
    'workers',
    'block-size',
    'g1-tokens',
    'g2-tokens',
    'no-g2',
    'router',
    'eviction',
    'prefill-tps',
    'decode-ms',
    'compare',
    'timing',
    'max-num-seqs',
    'max-num-batched-tokens',
    'kv-bytes-per-token',
    'overlap-weight',
    'temperature',
    'seed',
    'trace-block-size',
    'arrival-speedup',
    'concurrency',
    'slo-ttft',
    'slo-itl',
    'slo-e2e',
    'per-request',
    'limit',
    'json',
    'help',
  ],
  hash: ['block-size', 'salt-hash', 'salt', 'lora', 'json', 'help'],
  synth: [
    'sessions',
    'turns',
    'prefix-groups',
    'shared-prefix-ratio',
    'input-tokens',
    'output-tokens',
    'turn-tokens',
    'rate',
    'think-ms',
    'trace-block-size',
    'seed',
    'help',
  ],
  ...SERVE_FLAGS,
};

function parseArgs(argv: string[], command: string): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (!(FLAGS[command] ?? []).includes(name)) throw new UsageError(`unknown flag --${name} for ${command}`);
      const boolean = name === 'json' || name === 'no-g2' || name === 'help';
      let value: string | true;
      if (inline !== undefined) value = inline;
      else if (boolean) value = true;
      else {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        value = v;
      }
      // --engine is repeatable: its values are kept joined by newlines.
      const before = flags.get(name);
      flags.set(name, name === 'engine' && typeof before === 'string' ? `${before}\n${String(value)}` : value);
    } else if (a === '-h') flags.set('help', true);
    else positional.push(a);
  }
  return { positional, flags };
}

function intFlag(flags: Map<string, string | true>, name: string, min: number): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got ${String(v)}`);
  return n;
}

function tokensFlag(flags: Map<string, string | true>, name: string): number | 'unlimited' | undefined {
  const v = flags.get(name);
  if (v === 'unlimited') return 'unlimited';
  return intFlag(flags, name, 0);
}

function numberFlag(flags: Map<string, string | true>, name: string, min: number): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < min)
    throw new UsageError(`--${name} must be a number >= ${min}, got ${String(v)}`);
  return n;
}

function policyFlag(value: string, name: string): ReplayPolicy {
  if (!(REPLAY_POLICIES as readonly string[]).includes(value))
    throw new UsageError(`--${name} must be one of ${REPLAY_POLICIES.join(', ')}, got ${value}`);
  return value as ReplayPolicy;
}

function replay(positional: string[], flags: Map<string, string | true>): void {
  const file = positional[0];
  if (file === undefined) throw new UsageError('replay needs a trace file');
  const router = policyFlag(String(flags.get('router') ?? 'kv'), 'router');
  const compareFlag = flags.get('compare');
  const compare =
    compareFlag === undefined
      ? undefined
      : compareFlag === 'all'
        ? REPLAY_POLICIES
        : String(compareFlag)
            .split(',')
            .map((p) => policyFlag(p.trim(), 'compare'));
  const eviction = flags.get('eviction') ?? 'lru';
  if (eviction !== 'lru' && eviction !== 'fifo') throw new UsageError('--eviction must be lru or fifo');
  const timingFlag = flags.get('timing');
  const timing =
    timingFlag === undefined || timingFlag === 'fixed' || timingFlag === 'polynomial'
      ? timingFlag
      : parseTimingTable(readFileSync(String(timingFlag), 'utf8'));
  const traceBlockSize = intFlag(flags, 'trace-block-size', 1);
  const trace = parseTrace(readFileSync(file, 'utf8'), traceBlockSize === undefined ? {} : { traceBlockSize });
  const tty = process.stderr.isTTY && !flags.has('json');
  const slo = { ttftMs: numberFlag(flags, 'slo-ttft', 0), itlMs: numberFlag(flags, 'slo-itl', 0), e2eMs: numberFlag(flags, 'slo-e2e', 0) };
  const perRequestFile = flags.get('per-request');
  const options: ReplayOptions = {
    workers: intFlag(flags, 'workers', 1),
    blockSize: intFlag(flags, 'block-size', 1),
    traceBlockSize,
    g1Tokens: tokensFlag(flags, 'g1-tokens'),
    g2Tokens: flags.has('no-g2') ? null : tokensFlag(flags, 'g2-tokens'),
    router,
    eviction,
    timing,
    prefillTokensPerSecond: numberFlag(flags, 'prefill-tps', 0),
    decodeMsPerToken: numberFlag(flags, 'decode-ms', 0),
    maxNumSeqs: intFlag(flags, 'max-num-seqs', 1),
    maxNumBatchedTokens: intFlag(flags, 'max-num-batched-tokens', 1),
    kvBytesPerToken: numberFlag(flags, 'kv-bytes-per-token', 0),
    overlapScoreWeight: numberFlag(flags, 'overlap-weight', 0),
    temperature: numberFlag(flags, 'temperature', 0),
    seed: intFlag(flags, 'seed', 0),
    arrivalSpeedupRatio: numberFlag(flags, 'arrival-speedup', 0),
    concurrency: intFlag(flags, 'concurrency', 0),
    slo: Object.values(slo).some((v) => v !== undefined)
      ? (Object.fromEntries(Object.entries(slo).filter(([, v]) => v !== undefined)) as ReplayOptions['slo'])
      : undefined,
    perRequest: typeof perRequestFile === 'string' ? true : undefined,
    limit: intFlag(flags, 'limit', 0),
    onProgress: tty
      ? (p) => {
          const width = 30;
          const filled = Math.round((width * p.done) / Math.max(1, p.total));
          process.stderr.write(
            `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} requests, hit ${pct(p.totals.g1HitTokens + p.totals.g2HitTokens, p.totals.promptTokens)}`,
          );
          if (p.done === p.total) process.stderr.write('\n');
        }
      : undefined,
  };
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ReplayOptions;
  if (compare) {
    const results = compare.map((policy) => replayTrace(trace, { ...defined, router: policy }));
    if (flags.has('json')) console.log(JSON.stringify(results));
    else console.log(compareTable(results));
    return;
  }
  const result = replayTrace(trace, defined);
  if (typeof perRequestFile === 'string') {
    writeFileSync(perRequestFile, (result.perRequest ?? []).map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  const { perRequest: _omit, ...report } = result;
  if (flags.has('json')) console.log(JSON.stringify(report));
  else console.log(replayTable(result));
}

function synth(flags: Map<string, string | true>): void {
  const options: SyntheticOptions = {
    sessions: intFlag(flags, 'sessions', 1),
    turnsPerSession: intFlag(flags, 'turns', 1),
    prefixGroups: intFlag(flags, 'prefix-groups', 1),
    sharedPrefixRatio: numberFlag(flags, 'shared-prefix-ratio', 0),
    inputTokens: intFlag(flags, 'input-tokens', 1),
    outputTokens: intFlag(flags, 'output-tokens', 0),
    turnTokens: intFlag(flags, 'turn-tokens', 1),
    ratePerSecond: numberFlag(flags, 'rate', 0),
    thinkTimeMs: numberFlag(flags, 'think-ms', 0),
    traceBlockSize: intFlag(flags, 'trace-block-size', 1),
    seed: intFlag(flags, 'seed', 0),
  };
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SyntheticOptions;
  process.stdout.write(`${formatTrace(syntheticTrace(defined))}\n`);
}

function hash(positional: string[], flags: Map<string, string | true>): void {
  const source = positional[0] ?? '-';
  const text = readFileSync(source === '-' ? 0 : source, 'utf8').trim();
  const tokens = (text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split(/[\s,]+/).filter((t) => t !== '')).map((t, i) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new UsageError(`token ${i} is not a u32: ${String(t)}`);
    return n;
  });
  const bs = intFlag(flags, 'block-size', 1) ?? 16;
  const saltFlag = flags.get('salt-hash');
  const salt =
    typeof saltFlag === 'string'
      ? BigInt(saltFlag)
      : computeSaltHash({ salt: flags.get('salt') as string | undefined, lora: flags.get('lora') as string | undefined });
  const blockHashes = computeBlockHashes(tokens, bs, salt);
  const sequenceHashes = computeSequenceHashes(tokens, bs, salt);
  if (flags.has('json')) {
    console.log(
      JSON.stringify({
        blockSize: bs,
        saltHash: String(salt),
        tokens: tokens.length,
        blockHashes: [...blockHashes].map(String),
        sequenceHashes: [...sequenceHashes].map(String),
      }),
    );
  } else {
    console.log(`${tokens.length} tokens, block size ${bs}, salt ${salt}: ${blockHashes.length} complete blocks`);
    console.log('block  block hash (local)    sequence hash');
    blockHashes.forEach((h, i) => console.log(`${String(i).padStart(5)}  ${String(h).padEnd(20)}  ${String(sequenceHashes[i])}`));
  }
}

/** Runs the command line; returns the exit code. */
export function main(argv: string[]): number {
  try {
    const [command, ...rest] = argv;
    if (command === 'replay' || command === 'hash' || command === 'synth') {
      const { positional, flags } = parseArgs(rest, command);
      if (flags.has('help')) {
        console.log(USAGE);
        return 0;
      }
      if (command === 'replay') replay(positional, flags);
      else if (command === 'synth') synth(flags);
      else hash(positional, flags);
      return 0;
    }
    if (command === 'engine' || command === 'route') {
      const { flags } = parseArgs(rest, command);
      if (flags.has('help')) {
        console.log(USAGE);
        return 0;
      }
      (command === 'engine' ? engineCommand(flags) : routeCommand(flags)).catch((e: unknown) => {
        console.error(`kvbm-sequence: ${e instanceof Error ? e.message : String(e)}${e instanceof FlagError ? `\n${USAGE}` : ''}`);
        process.exit(e instanceof FlagError ? 2 : 1);
      });
      return 0;
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command ${command}`);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`kvbm-sequence: ${e.message}\n${USAGE}`);
      return 2;
    }
    console.error(`kvbm-sequence: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
