/**
 * `kvbm-sequence route`: an HTTP router in front of engines. Each OpenAI request is tokenized
 * (token ids in the request, the engine's `POST /tokenize`, or a local tokenizer), booked on a
 * worker by {@link KvRouter}, and proxied there unchanged (streams pass through as they come);
 * prefill is marked done at the first byte back and the booking freed at the end or when the
 * client goes away. Engines' KV events arrive over ZMQ ({@link VllmStream}); engines that fail
 * are taken out and health checks bring them back; Prometheus metrics at `GET /metrics`.
 *
 * Place: `ts/serve/router-server.ts`.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { KvRouter, RouterBusy, type Booking, type KvRouterOptions, type SyncTransport } from 'kvbm-sequence';
import { NatsSyncTransport, VllmStream } from 'kvbm-sequence/vllm';
import { HttpError, listen, readBody, sendJson } from './http.js';
import { RouterMetrics } from './router-metrics.js';

/** One engine behind the router. */
export interface EngineSpec {
  /** Its HTTP base URL. */
  readonly url: string;
  /** Its worker id in the router (default: its position in the list). */
  readonly workerId?: number;
  /** Its KV event publisher (`tcp://HOST:PORT`). */
  readonly events?: string;
  /** Its replay socket. */
  readonly replay?: string;
}

/** Options of {@link startRouterServer} (the command's flags). */
export interface RouterServerOptions {
  /** `--port` (0: any free port). */
  readonly port: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** The engines (`--engine`, `--engines FILE.json`). */
  readonly engines: readonly EngineSpec[];
  /** KvRouter options: block size, policy, cost, busy thresholds… (`sync` comes from `nats`). */
  readonly router: Omit<KvRouterOptions, 'sync'>;
  /** `--nats URL`: replica sync. */
  readonly nats?: string;
  /** `--router-id`. */
  readonly routerId?: number;
  /** A local tokenizer: text or chat → token ids (default: the engine's `POST /tokenize`). */
  readonly tokenize?: (body: Record<string, unknown>, chat: boolean) => Promise<number[]> | number[];
  /** How often engines are health-checked, ms (default 1 000). */
  readonly healthIntervalMs?: number;
}

/** A running router. */
export interface RunningRouter {
  /** Its base URL. */
  readonly url: string;
  /** Its port. */
  readonly port: number;
  /** The router inside. */
  readonly router: KvRouter;
  /** Stops listening, the streams, the health checks and the sync. */
  close(): Promise<void>;
}

function tokenIds(body: Record<string, unknown>, chat: boolean): number[] | undefined {
  const p = chat ? undefined : body.prompt;
  if (Array.isArray(p) && p.length > 0 && p.every((t) => typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= 0xffff_ffff))
    return p as number[];
  return undefined;
}

/** Starts a router. */
export async function startRouterServer(options: RouterServerOptions): Promise<RunningRouter> {
  if (options.engines.length === 0) throw new TypeError('at least one engine is needed (--engine URL or --engines FILE.json)');
  let sync: { transport: SyncTransport; routerId?: number } | undefined;
  if (options.nats !== undefined) {
    sync = { transport: await NatsSyncTransport.connect({ servers: options.nats, name: `kvbm-router-${options.routerId ?? ''}` }) };
    if (options.routerId !== undefined) sync.routerId = options.routerId;
  }
  const router = new KvRouter({ ...options.router, ...(sync ? { sync } : {}) });
  const engines = options.engines.map((e, i) => ({ ...e, workerId: e.workerId ?? i }));
  const byWorker = new Map(engines.map((e) => [BigInt(e.workerId), e]));
  for (const e of engines) router.addWorker(e.workerId);
  const metrics = new RouterMetrics(router);
  const streams: VllmStream[] = [];
  for (const e of engines) {
    if (e.events === undefined) continue;
    const source = String(e.workerId);
    const stream = await VllmStream.connect({
      endpoint: e.events,
      replayEndpoint: e.replay,
      workerId: e.workerId,
      blockSize: options.router.blockSize,
      sink: router,
    });
    streams.push(stream);
    metrics.addStream(source, stream);
  }

  const healthy = new Map(engines.map((e) => [e.workerId, true]));
  const setHealth = (workerId: number, ok: boolean) => {
    if (healthy.get(workerId) === ok) return;
    healthy.set(workerId, ok);
    if (ok) {
      // An engine that comes back has lost its cache: its blocks leave the index.
      router.applyEvents([{ type: 'cleared', workerId }]);
      router.markHealthy(workerId);
    } else router.markUnhealthy(workerId);
  };
  const check = async () => {
    await Promise.all(
      engines.map(async (e) => {
        try {
          const r = await fetch(`${e.url}/health`, { signal: AbortSignal.timeout(500) });
          await r.arrayBuffer();
          setHealth(e.workerId, r.ok);
        } catch {
          setHealth(e.workerId, false);
        }
      }),
    );
  };
  const healthTimer = setInterval(() => void check(), options.healthIntervalMs ?? 1_000);
  healthTimer.unref();

  const tokenize = async (body: Record<string, unknown>, chat: boolean): Promise<number[]> => {
    const ids = tokenIds(body, chat);
    if (ids !== undefined) return ids;
    if (options.tokenize !== undefined) return options.tokenize(body, chat);
    for (const e of engines) {
      if (!healthy.get(e.workerId)) continue;
      try {
        const r = await fetch(`${e.url}/tokenize`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(chat ? { messages: body.messages } : { prompt: body.prompt }),
        });
        const answer = (await r.json()) as { tokens?: unknown; error?: { message?: string } };
        if (!r.ok) throw new HttpError(r.status, answer.error?.message ?? `tokenize failed with ${r.status}`);
        if (!Array.isArray(answer.tokens)) throw new HttpError(502, 'the engine answered /tokenize without tokens');
        return answer.tokens as number[];
      } catch (err) {
        if (err instanceof HttpError) throw err;
        setHealth(e.workerId, false);
      }
    }
    throw new HttpError(503, 'no healthy engine to tokenize with');
  };

  /** Proxies to the booked engine; false where it could not connect (nothing was sent back). */
  const proxy = async (booking: Booking, path: string, raw: Buffer, res: ServerResponse): Promise<boolean> => {
    const engine = byWorker.get(booking.workerId);
    if (engine === undefined) throw new HttpError(500, `no engine for worker ${booking.workerId}`);
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.on('close', onClose);
    let upstream: Response;
    try {
      upstream = await fetch(`${engine.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array(raw),
        signal: abort.signal,
      });
    } catch {
      res.off('close', onClose);
      if (abort.signal.aborted) return true; // the client left; nothing to retry
      return false;
    }
    metrics.requests.inc({ worker: String(booking.workerId) });
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
      'x-kvbm-worker': String(booking.workerId),
      'x-kvbm-overlap-blocks': String(booking.overlapBlocks),
    });
    let first = true;
    try {
      if (upstream.body !== null) {
        for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
          if (first) {
            first = false;
            router.prefillDone(booking.requestId);
          }
          res.write(chunk);
        }
      }
      res.end();
    } catch {
      res.destroy();
    } finally {
      res.off('close', onClose);
    }
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method === 'GET' && path === '/health')
      return sendJson(res, 200, { status: 'ok', workers: router.workers().filter((w) => w.healthy).length });
    if (req.method === 'GET' && path === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      return res.end(text);
    }
    if (req.method !== 'POST' || (path !== '/v1/completions' && path !== '/v1/chat/completions'))
      throw new HttpError(404, `no route ${req.method} ${path}`);
    const chat = path === '/v1/chat/completions';
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
    const tokens = await tokenize(body, chat);
    for (let attempt = 0; attempt < 2; attempt++) {
      const t0 = performance.now();
      let booking: Booking;
      try {
        booking = await router.route({ tokens });
      } catch (e) {
        if (e instanceof RouterBusy) {
          metrics.rejections.inc({ reason: e.reason });
          throw new HttpError(e.reason === 'noWorkers' ? 503 : 429, e.message, {
            'retry-after': String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))),
          });
        }
        // The request's tokens were refused (not integers, too many…): the client's error.
        if (e instanceof TypeError || e instanceof RangeError) throw new HttpError(400, e.message);
        throw e;
      }
      metrics.decided(booking, (performance.now() - t0) / 1000);
      let done: boolean;
      try {
        done = await proxy(booking, path, raw, res);
      } finally {
        router.free(booking.requestId);
      }
      if (done) return;
      setHealth(Number(booking.workerId), false); // could not connect: the next best, once
    }
    throw new HttpError(502, 'the engines chosen could not be reached');
  };

  const http = await listen(options.port, options.host ?? '127.0.0.1', handle);
  return {
    url: http.url,
    port: http.port,
    router,
    close: async () => {
      clearInterval(healthTimer);
      await http.close();
      await Promise.all(streams.map((s) => s.close()));
      await router.close();
    },
  };
}
