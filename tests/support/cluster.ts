// Simulated engines and routers as real processes (`node dist/cli.js engine|route …`) on
// 127.0.0.1 at free ports, and a load generator that replays a slice of the Mooncake trace over
// HTTP with its arrival times. Every process is killed by `stopAll` (tests call it in afterAll).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: the nearest folder up from here with dist/cli.js (also when bundled into .tmp/). */
function repository(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'dist', 'cli.js')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const root = repository();
const cli = join(root, 'dist', 'cli.js');
const processes = new Set<ChildProcess>();

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A started command: its URL (from its "listening on" line) and the process. */
export interface Started {
  readonly url: string;
  readonly process: ChildProcess;
  /** Output so far (stdout and stderr). */
  readonly output: () => string;
}

/** Runs `kvbm-sequence <args>` and waits (at most 10 s) for its "listening on" line. */
export function startCommand(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  processes.add(child);
  child.on('exit', () => processes.delete(child));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" from kvbm-sequence ${args.join(' ')}:\n${out}`)), 10_000);
    const hear = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ url: m[1] as string, process: child, output: () => out });
      }
    };
    child.stdout?.on('data', hear);
    child.stderr?.on('data', hear);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kvbm-sequence ${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

/** One simulated engine with its ZMQ ports. */
export interface Engine extends Started {
  readonly spec: string;
  readonly args: string[];
}

/**
 * Starts engine `id` (its ports chosen once, so that a restart reuses them). Ports it chooses
 * itself are free when chosen but may be taken before the engine binds them (other suites run
 * alongside): then it tries again with new ones, up to 5 times.
 */
export async function startEngine(id: number, flags: string[], env: Record<string, string> = {}, ports?: number[]): Promise<Engine> {
  if (ports !== undefined) return startEngineOn(id, flags, env, ports);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEngineOn(id, flags, env, [await freePort(), await freePort(), await freePort()]);
    } catch (e) {
      if (attempt === 5 || !/address already in use/i.test(String(e))) throw e;
    }
  }
}

async function startEngineOn(id: number, flags: string[], env: Record<string, string>, ports: number[]): Promise<Engine> {
  const [http, events, replay] = ports;
  const args = [
    'engine',
    '--port',
    String(http),
    '--worker-id',
    String(id),
    '--kv-events',
    `tcp://127.0.0.1:${events}`,
    '--kv-replay',
    `tcp://127.0.0.1:${replay}`,
    ...flags,
  ];
  const started = await startCommand(args, env);
  return { ...started, args, spec: `${started.url},events=tcp://127.0.0.1:${events},replay=tcp://127.0.0.1:${replay},id=${id}` };
}

/** The ports an engine was started with (to restart it on the same ones). */
export function portsOf(e: Engine): number[] {
  return [Number(e.args[2]), Number(/:(\d+)$/.exec(e.args[6] as string)?.[1]), Number(/:(\d+)$/.exec(e.args[8] as string)?.[1])];
}

/** Kills a process and waits for it to go. */
export function kill(p: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill(signal);
  });
}

/** Kills every process started here. */
export async function stopAll(): Promise<void> {
  await Promise.all([...processes].map((p) => kill(p)));
}

/** One request of the load: its arrival (ms from the start) and prompt token ids. */
export interface LoadRequest {
  readonly at: number;
  readonly tokens: number[];
  readonly maxTokens: number;
}

/**
 * The Mooncake conversation requests among `count` from `start`, arrival times divided by
 * `speedup`; each hash id becomes `tokensPerId` tokens (the same id, the same tokens, so shared
 * ids share a prefix), at most `maxIds` ids per prompt. With `multiTurn`, only conversations
 * with two or more turns in the slice are kept (a conversation: the requests sharing their
 * first id after the common system block): the reuse a KV-aware router can exploit.
 */
export function mooncakeLoad(
  count: number,
  options: { start?: number; speedup: number; tokensPerId: number; maxIds: number; maxTokens: number; multiTurn?: boolean },
): LoadRequest[] {
  const lines = readFileSync(join(root, '..', 'shared', 'data', 'mooncake-conversation.jsonl'), 'utf8').split('\n');
  let rows = lines
    .slice(options.start ?? 0, (options.start ?? 0) + count)
    .map((l) => JSON.parse(l) as { timestamp: number; hash_ids: number[] });
  if (options.multiTurn) {
    const turns = new Map<number, number>();
    for (const r of rows) turns.set(r.hash_ids[1] ?? -1, (turns.get(r.hash_ids[1] ?? -1) ?? 0) + 1);
    rows = rows.filter((r) => r.hash_ids.length > 1 && (turns.get(r.hash_ids[1] as number) ?? 0) >= 2);
  }
  const t0 = rows[0]?.timestamp ?? 0;
  return rows.map((r) => ({
    at: (r.timestamp - t0) / options.speedup,
    tokens: r.hash_ids
      .slice(0, options.maxIds)
      .flatMap((id) => Array.from({ length: options.tokensPerId }, (_, j) => (id * options.tokensPerId + j) % 4_000_000_000)),
    maxTokens: options.maxTokens,
  }));
}

/** What one request saw. */
export interface Outcome {
  readonly ok: boolean;
  readonly status: number;
  readonly ttftMs: number;
  readonly chunks: number;
  readonly worker: string | null;
  readonly overlapBlocks: number;
  readonly cachedTokens: number;
  /** Why it failed, where it did. */
  readonly error?: string;
}

/** Sends one streaming completion and times its first chunk. */
export async function streamCompletion(url: string, tokens: number[], maxTokens: number): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const r = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: tokens, max_tokens: maxTokens, stream: true }),
    });
    let ttft = NaN;
    let text = '';
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      if (Number.isNaN(ttft)) ttft = performance.now() - t0;
      text += Buffer.from(chunk).toString();
    }
    const events = text.split('\n\n').filter((e) => e.startsWith('data: {'));
    const last =
      events.length > 0
        ? (JSON.parse((events[events.length - 1] as string).slice(6)) as { usage?: { prompt_tokens_details?: { cached_tokens?: number } } })
        : {};
    return {
      ok: r.ok && text.trimEnd().endsWith('data: [DONE]'),
      status: r.status,
      ttftMs: ttft,
      chunks: events.length - 1,
      worker: r.headers.get('x-kvbm-worker'),
      overlapBlocks: Number(r.headers.get('x-kvbm-overlap-blocks') ?? 0),
      cachedTokens: last.usage?.prompt_tokens_details?.cached_tokens ?? 0,
    };
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    return {
      ok: false,
      status: 0,
      ttftMs: NaN,
      chunks: 0,
      worker: null,
      overlapBlocks: 0,
      cachedTokens: 0,
      error: `${(e as Error).message}${cause ? `: ${cause}` : ''}`,
    };
  }
}

/** Replays `load` against the routers (alternating), each request at its arrival time. */
export async function runLoad(routers: string[], load: LoadRequest[], during?: (i: number) => Promise<void> | void): Promise<Outcome[]> {
  const start = performance.now();
  const pending: Array<Promise<Outcome>> = [];
  for (let i = 0; i < load.length; i++) {
    const req = load[i] as LoadRequest;
    const wait = req.at - (performance.now() - start);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await during?.(i);
    pending.push(streamCompletion(routers[i % routers.length] as string, req.tokens, req.maxTokens));
  }
  return Promise.all(pending);
}

/** The median of finite numbers. */
export function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
