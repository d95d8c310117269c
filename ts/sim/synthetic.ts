/**
 * A synthetic workload for users without a trace (SPEC §9.4): requests in prefix groups that
 * share a system prompt, optionally in multi-turn sessions, arriving as a Poisson process —
 * written as trace rows (hash ids per trace block) that {@link replayTrace} and
 * `kvbm-sequence replay` read like a Mooncake trace.
 *
 * Place: `ts/sim/synthetic.ts`.
 * @module
 */

import { seededRandom } from '../router/select.js';
import { TRACE_BLOCK_TOKENS, type TraceRequest } from './trace.js';

/** Options of {@link syntheticTrace}. */
export interface SyntheticOptions {
  /** Sessions (default 1,000); each gives `turnsPerSession` requests. */
  readonly sessions?: number;
  /** Turns per session (default 1). */
  readonly turnsPerSession?: number;
  /** Groups sharing a system prompt; session `i` is in group `i mod prefixGroups` (default 10). */
  readonly prefixGroups?: number;
  /** Share of a first turn's prompt that is its group's system prompt, 0..1 (default 0.5). */
  readonly sharedPrefixRatio?: number;
  /** First-turn prompt tokens (default 4,096). */
  readonly inputTokens?: number;
  /** Output tokens per turn (default 256). */
  readonly outputTokens?: number;
  /** New user tokens a later turn adds after the previous reply (default 256). */
  readonly turnTokens?: number;
  /** Session starts per second, Poisson (default 2). */
  readonly ratePerSecond?: number;
  /** Ms between a turn's completion and the next turn (default 1,000). */
  readonly thinkTimeMs?: number;
  /** Tokens per hash id (default 512, the replay's default). */
  readonly traceBlockSize?: number;
  /** Seed of the arrivals (default 0). */
  readonly seed?: number;
}

function whole(v: unknown, name: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw new RangeError(`options.${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function positive(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new RangeError(`options.${name} must be a finite number > 0, got ${String(v)}`);
  return v;
}

/**
 * Generates the workload: session `i` starts at a Poisson arrival, in group `i mod prefixGroups`;
 * its first prompt is the group's system prompt (`sharedPrefixRatio` of `inputTokens`) plus its
 * own tokens; each later turn repeats the whole conversation so far (prompt, reply) and adds
 * `turnTokens`, `thinkTimeMs` after the previous turn completes. Lengths are whole trace blocks
 * (rounded up), so every hash id stands for `traceBlockSize` tokens.
 */
export function syntheticTrace(options: SyntheticOptions = {}): TraceRequest[] {
  const known = [
    'sessions',
    'turnsPerSession',
    'prefixGroups',
    'sharedPrefixRatio',
    'inputTokens',
    'outputTokens',
    'turnTokens',
    'ratePerSecond',
    'thinkTimeMs',
    'traceBlockSize',
    'seed',
  ];
  for (const k of Object.keys(options)) if (!known.includes(k)) throw new TypeError(`unknown option ${k} (options: ${known.join(', ')})`);
  const sessions = whole(options.sessions ?? 1000, 'sessions', 1);
  const turns = whole(options.turnsPerSession ?? 1, 'turnsPerSession', 1);
  const groups = whole(options.prefixGroups ?? 10, 'prefixGroups', 1);
  const ratio = options.sharedPrefixRatio ?? 0.5;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1))
    throw new RangeError(`options.sharedPrefixRatio must be in 0..1, got ${String(ratio)}`);
  const isl = whole(options.inputTokens ?? 4096, 'inputTokens', 1);
  const osl = whole(options.outputTokens ?? 256, 'outputTokens', 0);
  const turnTokens = whole(options.turnTokens ?? 256, 'turnTokens', 1);
  const rate = positive(options.ratePerSecond ?? 2, 'ratePerSecond');
  const think = options.thinkTimeMs ?? 1000;
  if (typeof think !== 'number' || !Number.isFinite(think) || think < 0)
    throw new RangeError(`options.thinkTimeMs must be a number >= 0, got ${String(think)}`);
  const tbs = whole(options.traceBlockSize ?? TRACE_BLOCK_TOKENS, 'traceBlockSize', 1);
  const random = seededRandom(whole(options.seed ?? 0, 'seed', 0));

  const blocks = (tokens: number) => Math.ceil(tokens / tbs);
  const sharedBlocks = Math.floor((isl * ratio) / tbs);
  const ownBlocks = Math.max(1, blocks(isl) - sharedBlocks);
  let nextId = 0;
  const fresh = (n: number) => Array.from({ length: n }, () => nextId++);
  const prefixes = Array.from({ length: groups }, () => fresh(sharedBlocks));
  const out: TraceRequest[] = [];
  let t = 0;
  for (let s = 0; s < sessions; s++) {
    t += (-Math.log(1 - random()) / rate) * 1000;
    let ids = [...(prefixes[s % groups] as number[]), ...fresh(ownBlocks)];
    for (let k = 0; k < turns; k++) {
      if (k > 0) ids = [...ids, ...fresh(blocks(osl)), ...fresh(blocks(turnTokens))];
      out.push({
        timestamp: Math.round(t + k * think),
        inputLength: ids.length * tbs,
        outputLength: osl,
        hashIds: ids,
        ...(turns > 1 ? { sessionId: s } : {}),
        ...(k > 0 ? { delayMs: think } : {}),
      });
    }
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

/** A trace as Mooncake JSON lines (snake_case fields, `session_id` and `delay` when set). */
export function formatTrace(trace: readonly TraceRequest[]): string {
  return trace
    .map((r) =>
      JSON.stringify({
        timestamp: r.timestamp,
        input_length: r.inputLength,
        output_length: r.outputLength,
        hash_ids: r.hashIds,
        ...(r.sessionId === undefined ? {} : { session_id: r.sessionId }),
        ...(r.delayMs === undefined ? {} : { delay: r.delayMs }),
      }),
    )
    .join('\n');
}
