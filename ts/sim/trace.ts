/**
 * Request traces as the simulator reads them (SPEC §9.4): Mooncake JSONL with DynoSim's
 * additions (`session_id`, `delay`, the `*_tokens` spellings), checked line by line, and the
 * tokens made from a row's hash ids.
 *
 * Place: `ts/sim/trace.ts`.
 * @module
 */

/** One request of a trace. */
export interface TraceRequest {
  /** Arrival time (ms from the start). */
  readonly timestamp: number;
  /** Prompt tokens (clamped to `hashIds.length × traceBlockSize`). */
  readonly inputLength: number;
  /** Generated tokens. */
  readonly outputLength: number;
  /** One id per trace block of the prompt; an id names the block and its whole prefix. */
  readonly hashIds: readonly number[];
  /** Rows sharing a session form a closed-loop conversation (absent: a session of its own). */
  readonly sessionId?: string | number;
  /** Ms to wait after the session's previous turn completes (later turns only). */
  readonly delayMs?: number;
}

/** Tokens per trace block (Mooncake's hash ids). */
export const TRACE_BLOCK_TOKENS = 512;
const VOCABULARY = 128_256;
const ID_LIMIT = 2 ** 32;

/** Options of {@link parseTrace}. */
export interface ParseTraceOptions {
  /** Tokens per hash id, for rows without `input_length` (default 512). */
  readonly traceBlockSize?: number;
}

function field(r: Record<string, unknown>, names: readonly string[]): [string, unknown] {
  for (const n of names) if (n in r) return [n, r[n]];
  return [names[0] as string, undefined];
}

/**
 * Parses a JSON-lines trace: `timestamp` (or `created_time`), `input_length` (or
 * `input_tokens`; absent → the ids' capacity), `output_length` (or `output_tokens`),
 * `hash_ids`, and optionally `session_id` and `delay` (or `delay_ms`, later turns only). A wrong
 * line is an error naming the line and the field.
 */
export function parseTrace(text: string, options: ParseTraceOptions = {}): TraceRequest[] {
  if (typeof text !== 'string') throw new TypeError('text must be the trace as a string');
  const tbs = options.traceBlockSize ?? TRACE_BLOCK_TOKENS;
  if (!Number.isSafeInteger(tbs) || tbs < 1) throw new RangeError(`options.traceBlockSize must be an integer >= 1, got ${String(tbs)}`);
  const out: TraceRequest[] = [];
  const seen = new Set<string | number>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `trace line ${i + 1}`;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new SyntaxError(`${where} is not JSON: ${(e as Error).message}`, { cause: e });
    }
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new TypeError(`${where} is not an object`);
    const ok = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    const need = (names: readonly string[], check: (v: unknown) => boolean, what: string): unknown => {
      const [name, v] = field(r, names);
      if (!check(v)) throw new TypeError(`${where}: ${name} must be ${what}, got ${JSON.stringify(v)}`);
      return v;
    };
    const timestamp = need(
      ['timestamp', 'created_time'],
      (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
      'a number >= 0',
    ) as number;
    const [idsName, ids] = field(r, ['hash_ids']);
    if (!Array.isArray(ids)) throw new TypeError(`${where}: ${idsName} must be an array, got ${JSON.stringify(ids)}`);
    const bad = ids.findIndex((h) => !ok(h) || (h as number) >= ID_LIMIT);
    if (bad >= 0) throw new TypeError(`${where}: hash_ids[${bad}] must be an integer in 0..2^32, got ${JSON.stringify(ids[bad])}`);
    const [, input] = field(r, ['input_length', 'input_tokens']);
    const inputLength =
      input === undefined ? ids.length * tbs : (need(['input_length', 'input_tokens'], ok, 'a non-negative integer') as number);
    const outputLength = need(['output_length', 'output_tokens'], ok, 'a non-negative integer') as number;
    const [, session] = field(r, ['session_id']);
    if (session !== undefined && typeof session !== 'string' && !ok(session))
      throw new TypeError(`${where}: session_id must be a string or a non-negative integer, got ${JSON.stringify(session)}`);
    const [delayName, delay] = field(r, ['delay', 'delay_ms']);
    if (delay !== undefined) {
      if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)
        throw new TypeError(`${where}: ${delayName} must be a number >= 0, got ${JSON.stringify(delay)}`);
      if (session === undefined || !seen.has(session as string | number))
        throw new TypeError(`${where}: ${delayName} is only allowed on a later turn of a session`);
    }
    if (session !== undefined) seen.add(session as string | number);
    out.push({
      timestamp,
      inputLength,
      outputLength,
      hashIds: ids as number[],
      ...(session === undefined ? {} : { sessionId: session as string | number }),
      ...(delay === undefined ? {} : { delayMs: delay as number }),
    });
  });
  return out;
}

/** A 32-bit mix (Murmur3's finaliser) of two words (the core crate's `sim::trace::mix`). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A request's prompt tokens: trace block `k` becomes `traceBlockSize` tokens drawn from a
 * generator keyed by its hash id (the same id always gives the same tokens), cut to
 * `inputLength` (and to the ids' capacity) — the tokens the simulator hashes.
 */
export function promptTokens(request: TraceRequest, traceBlockSize = TRACE_BLOCK_TOKENS): Uint32Array {
  const n = Math.min(request.inputLength, request.hashIds.length * traceBlockSize);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const id = request.hashIds[Math.floor(i / traceBlockSize)] as number;
    out[i] = mix(id, i % traceBlockSize) % VOCABULARY;
  }
  return out;
}

/** Output tokens of request number `index` (distinct per request). */
export function outputTokens(index: number, length: number): Uint32Array {
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = mix(0x40000000 + index, i) % VOCABULARY;
  return out;
}
