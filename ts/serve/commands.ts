/**
 * The `engine` and `route` commands: their flags turned into server options, the servers
 * started, one line printed per listening server (`… listening on http://HOST:PORT`), and a
 * clean stop on SIGINT/SIGTERM.
 *
 * Place: `ts/serve/commands.ts`.
 * @module
 */

import { readFileSync } from 'node:fs';
import { reserve, type CostModel, type KvRouterOptions, type RoutingPolicy } from 'kvbm-sequence';
import { startEngine } from './engine.js';
import { loadTokenizer } from './local-tokenizer.js';
import { startRouterServer, type EngineSpec } from './router-server.js';

/** Parsed flags: name → value (`--engine`, repeatable, holds its values joined by newlines). */
export type Flags = Map<string, string | true>;

/** A bad flag: the command prints it with the usage. */
export class FlagError extends Error {}

/** The flags of each serving command. */
export const SERVE_FLAGS: Record<'engine' | 'route', readonly string[]> = {
  engine: ['port', 'kv-events', 'kv-replay', 'block-size', 'g1-tokens', 'worker-id', 'prefill-tps', 'decode-ms', 'help'],
  route: [
    'port',
    'block-size',
    'engine',
    'engines',
    'policy',
    'cost-model',
    'overlap-score-weight',
    'overlap-score-credit',
    'prefill-load-scale',
    'host-cache-hit-weight',
    'disk-cache-hit-weight',
    'temperature',
    'seed',
    'busy-prefill-tokens',
    'busy-decode-blocks',
    'when-busy',
    'nats',
    'router-id',
    'tokenizer',
    'reserve-mib',
    'help',
  ],
};

function num(flags: Flags, name: string, min: number, integer = true): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n < min || (integer && !Number.isSafeInteger(n))) {
    throw new FlagError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(v)}`);
  }
  return n;
}

function str(flags: Flags, name: string): string | undefined {
  const v = flags.get(name);
  if (v === true) throw new FlagError(`--${name} needs a value`);
  return v;
}

function zmqAddress(value: string, what: string): string {
  if (!/^tcp:\/\/[^\s:]+:\d+$/.test(value)) throw new FlagError(`${what} must be tcp://HOST:PORT, got ${value}`);
  return value;
}

/** `http://HOST:PORT[,events=tcp://…][,replay=tcp://…][,id=N]`. */
export function parseEngineSpec(text: string): EngineSpec {
  const [url, ...parts] = text.split(',');
  if (url === undefined || !/^https?:\/\/[^\s/]+$/.test(url)) throw new FlagError(`--engine must start with http://HOST:PORT, got ${text}`);
  const spec: { url: string; events?: string; replay?: string; workerId?: number } = { url };
  for (const part of parts) {
    const [key, value] = part.split('=', 2) as [string, string | undefined];
    if (value === undefined) throw new FlagError(`--engine: ${part} is not key=value`);
    if (key === 'events') spec.events = zmqAddress(value, '--engine events=');
    else if (key === 'replay') spec.replay = zmqAddress(value, '--engine replay=');
    else if (key === 'id' && /^\d+$/.test(value)) spec.workerId = Number(value);
    else throw new FlagError(`--engine: unknown part ${part} (events=, replay=, id=)`);
  }
  return spec;
}

function engineSpecs(flags: Flags): EngineSpec[] {
  const specs = (str(flags, 'engine') ?? '')
    .split('\n')
    .filter((s) => s !== '')
    .map(parseEngineSpec);
  const file = str(flags, 'engines');
  if (file !== undefined) {
    const list = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(list)) throw new FlagError(`--engines ${file} must hold a JSON Array of { url, events?, replay?, workerId? }`);
    list.forEach((e: unknown, i) => {
      const o = e as Record<string, unknown> | null;
      if (o === null || typeof o !== 'object' || typeof o.url !== 'string')
        throw new FlagError(`--engines ${file}: entry ${i} needs a url`);
      const text = [
        o.url,
        o.events === undefined ? '' : `events=${String(o.events)}`,
        o.replay === undefined ? '' : `replay=${String(o.replay)}`,
        o.workerId === undefined ? '' : `id=${String(o.workerId)}`,
      ];
      specs.push(parseEngineSpec(text.filter((t) => t !== '').join(',')));
    });
  }
  if (specs.length === 0) throw new FlagError('route needs at least one --engine (or --engines FILE.json)');
  return specs;
}

function stopOnSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `kvbm-sequence engine`. */
export async function engineCommand(flags: Flags): Promise<void> {
  const kvEvents = str(flags, 'kv-events');
  const kvReplay = str(flags, 'kv-replay');
  if (kvReplay !== undefined && kvEvents === undefined) throw new FlagError('--kv-replay needs --kv-events');
  const engine = await startEngine({
    port: num(flags, 'port', 0) ?? 8000,
    workerId: num(flags, 'worker-id', 0),
    blockSize: num(flags, 'block-size', 1),
    g1Tokens: num(flags, 'g1-tokens', 1),
    prefillTps: num(flags, 'prefill-tps', 1, false),
    decodeMs: num(flags, 'decode-ms', 0, false),
    kvEvents: kvEvents === undefined ? undefined : zmqAddress(kvEvents, '--kv-events'),
    kvReplay: kvReplay === undefined ? undefined : zmqAddress(kvReplay, '--kv-replay'),
  });
  console.log(`kvbm-sequence engine ${num(flags, 'worker-id', 0) ?? 0} listening on ${engine.url}`);
  stopOnSignal(engine.close);
}

/** `kvbm-sequence route`. */
export async function routeCommand(flags: Flags): Promise<void> {
  const policy = (str(flags, 'policy') ?? 'kv') as RoutingPolicy;
  if (!['kv', 'round-robin', 'random'].includes(policy)) throw new FlagError('--policy must be kv, round-robin or random');
  const whenBusy = str(flags, 'when-busy') ?? 'refuse';
  if (whenBusy !== 'refuse' && whenBusy !== 'defer') throw new FlagError('--when-busy must be refuse or defer');
  const busyPrefill = num(flags, 'busy-prefill-tokens', 0);
  const busyDecode = num(flags, 'busy-decode-blocks', 0, false);
  const options: Record<string, unknown> = {
    blockSize: num(flags, 'block-size', 1) ?? 16,
    policy,
    costModel: str(flags, 'cost-model') as CostModel | undefined,
    overlapScoreWeight: num(flags, 'overlap-score-weight', 0, false),
    overlapScoreCredit: num(flags, 'overlap-score-credit', 0, false),
    prefillLoadScale: num(flags, 'prefill-load-scale', 0, false),
    hostCacheHitWeight: num(flags, 'host-cache-hit-weight', 0, false),
    diskCacheHitWeight: num(flags, 'disk-cache-hit-weight', 0, false),
    temperature: num(flags, 'temperature', 0, false),
    seed: num(flags, 'seed', 0),
    whenBusy,
    busy:
      busyPrefill === undefined && busyDecode === undefined
        ? undefined
        : { activePrefillTokens: busyPrefill, activeDecodeBlocks: busyDecode },
  };
  const router = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as unknown as KvRouterOptions;
  // Fresh WebAssembly memory costs a growth (a full V8 collection once memory is large) and a page
  // fault per 4 KiB on first write: paid here, at start, not in the first burst of KV events.
  const reserveMib = num(flags, 'reserve-mib', 0);
  if (reserveMib !== undefined && reserveMib > 0 && !reserve(reserveMib * 2 ** 20))
    throw new FlagError(`--reserve-mib ${reserveMib}: WebAssembly memory cannot grow that far`);
  const tokenizerFile = str(flags, 'tokenizer');
  const running = await startRouterServer({
    port: num(flags, 'port', 0) ?? 8080,
    engines: engineSpecs(flags),
    router,
    nats: str(flags, 'nats'),
    routerId: num(flags, 'router-id', 0),
    tokenize: tokenizerFile === undefined ? undefined : await loadTokenizer(tokenizerFile),
  });
  console.log(`kvbm-sequence router ${running.router.routerId} listening on ${running.url}`);
  stopOnSignal(running.close);
}
