/**
 * `kvbm-sequence engine`: a simulated vLLM engine (our mocker). An OpenAI-compatible HTTP
 * server whose KV cache is a {@link SimulatedWorker} and whose timing is the replay's linear
 * model: prefills run one at a time at `prefillTps` tokens/s over the tokens not cached, then
 * each output token takes `decodeMs`. It publishes its KV events as current vLLM does (ZMQ PUB
 * with sequence numbers, and the replay socket).
 *
 * Place: `ts/serve/engine.ts`.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { computeSequenceHashes, SimulatedWorker } from 'kvbm-sequence';
import { HttpError, listen, maxTokensOf, messagesOf, promptOf, readJson, sendJson, streamOf } from './http.js';
import { KvPublisher, wireEvents } from './kv-publisher.js';
import { detokenize, toyChatText, toyTokenize } from './toy-tokenizer.js';

/** Options of {@link startEngine} (the command's flags). */
export interface EngineOptions {
  /** `--port` (0: any free port). */
  readonly port: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** `--worker-id` (default 0). */
  readonly workerId?: number;
  /** `--block-size` (default 16). */
  readonly blockSize?: number;
  /** `--g1-tokens`: device KV capacity in tokens (default 1 000 000). */
  readonly g1Tokens?: number;
  /** `--prefill-tps`: prefill speed, tokens/s (default 10 000). */
  readonly prefillTps?: number;
  /** `--decode-ms`: time per output token (default 20). */
  readonly decodeMs?: number;
  /** `--kv-events tcp://HOST:PORT`: where KV events are published. */
  readonly kvEvents?: string;
  /** `--kv-replay tcp://HOST:PORT`: the replay socket. */
  readonly kvReplay?: string;
}

/** A running engine. */
export interface RunningEngine {
  /** Its base URL, e.g. `http://127.0.0.1:8001`. */
  readonly url: string;
  /** Its port. */
  readonly port: number;
  /** The publisher, where events are published (fault tests drop batches through it). */
  readonly publisher: KvPublisher | undefined;
  /** Stops listening, ends running requests and closes the sockets. */
  close(): Promise<void>;
}

interface Job {
  readonly id: string;
  readonly prompt: number[];
  readonly output: Uint32Array;
  readonly chat: boolean;
  readonly stream: boolean;
}

/** Starts an engine. */
export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const bs = options.blockSize ?? 16;
  const workerId = options.workerId ?? 0;
  const prefillTps = options.prefillTps ?? 10_000;
  const decodeMs = options.decodeMs ?? 20;
  const g1Blocks = Math.max(1, Math.floor((options.g1Tokens ?? 1_000_000) / bs));
  const worker = new SimulatedWorker({ workerId, blockSize: bs, g1Blocks });
  const publisher = options.kvEvents === undefined ? undefined : await KvPublisher.start(options.kvEvents, options.kvReplay);
  // Fault injection for tests: KVBM_SIM_DROP_EVENTS=N drops every Nth batch from the live
  // socket (it stays in the replay buffer), as a lossy network would.
  const dropEvery = Number(process.env.KVBM_SIM_DROP_EVENTS ?? 0);
  if (publisher !== undefined && Number.isInteger(dropEvery) && dropEvery > 0) publisher.drop = (seq) => seq % dropEvery === dropEvery - 1;
  const blockTokens = new Map<bigint, Uint32Array>();
  const registry = new Registry();
  const requests = new Counter({ name: 'kvbm_engine_requests_total', help: 'Requests served', registers: [registry] });
  const promptTokens = new Counter({ name: 'kvbm_engine_prompt_tokens_total', help: 'Prompt tokens', registers: [registry] });
  const cachedTokens = new Counter({
    name: 'kvbm_engine_cached_tokens_total',
    help: 'Prompt tokens found in the KV cache',
    registers: [registry],
  });
  const running = new Gauge({ name: 'kvbm_engine_running_requests', help: 'Requests running', registers: [registry] });
  let prefillFreeAt = 0;
  let next = 0;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(
        () => {
          timers.delete(t);
          resolve();
        },
        Math.max(0, ms),
      );
      timers.add(t);
    });

  const publish = async () => {
    const events = worker.takeEvents();
    if (publisher === undefined) return;
    const wire = wireEvents(events, bs, (h) => blockTokens.get(h));
    for (const e of events) if (e.type === 'removed') for (const h of e.blockHashes) blockTokens.delete(BigInt(h));
    await publisher.publish(wire);
  };

  const tokensOf = (body: Record<string, unknown>, chat: boolean): number[] => {
    if (chat) return toyTokenize(toyChatText(messagesOf(body)));
    const p = promptOf(body);
    return typeof p === 'string' ? toyTokenize(p) : p;
  };

  const serve = async (job: Job, res: ServerResponse) => {
    const figures = worker.admit(job.id, job.prompt, job.output);
    if (figures.rejected) throw new HttpError(503, `the KV cache (${g1Blocks} blocks) cannot hold a ${job.prompt.length}-token prompt now`);
    const seq = computeSequenceHashes(job.prompt, bs, 1337n);
    seq.forEach((h, i) => blockTokens.set(h, Uint32Array.from(job.prompt.slice(i * bs, (i + 1) * bs))));
    await publish();
    requests.inc();
    running.inc();
    const cached = figures.g1HitTokens + figures.g2HitTokens;
    promptTokens.inc(job.prompt.length);
    cachedTokens.inc(cached);
    let aborted = false;
    res.on('close', () => (aborted = !res.writableFinished));
    try {
      const now = performance.now();
      const start = Math.max(now, prefillFreeAt);
      prefillFreeAt = start + (figures.computedTokens / prefillTps) * 1000;
      await wait(prefillFreeAt - now);
      const usage = {
        prompt_tokens: job.prompt.length,
        completion_tokens: job.output.length,
        total_tokens: job.prompt.length + job.output.length,
        prompt_tokens_details: { cached_tokens: cached },
      };
      const created = Math.floor(Date.now() / 1000);
      const base = { id: job.id, created, model: 'kvbm-sim' };
      if (!job.stream) {
        await wait(decodeMs * (job.output.length - 1));
        const text = detokenize(job.output);
        const choice = job.chat
          ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' }
          : { index: 0, text, finish_reason: 'length' };
        sendJson(res, 200, { ...base, object: job.chat ? 'chat.completion' : 'text_completion', choices: [choice], usage });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const object = job.chat ? 'chat.completion.chunk' : 'text_completion';
      for (let i = 0; i < job.output.length && !aborted; i++) {
        if (i > 0) await wait(decodeMs);
        const text = (i > 0 ? ' ' : '') + detokenize([job.output[i] as number]);
        const choice = job.chat
          ? { index: 0, delta: i === 0 ? { role: 'assistant', content: text } : { content: text }, finish_reason: null }
          : { index: 0, text, finish_reason: null };
        res.write(`data: ${JSON.stringify({ ...base, object, choices: [choice] })}\n\n`);
      }
      if (!aborted) {
        res.write(`data: ${JSON.stringify({ ...base, object, choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
      }
    } finally {
      running.dec();
      worker.finish(job.id);
      await publish();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', workerId });
    if (req.method === 'GET' && path === '/metrics') {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      return res.end(text);
    }
    if (req.method === 'POST' && path === '/tokenize') {
      const body = await readJson(req);
      const tokens = tokensOf(body, body.messages !== undefined);
      return sendJson(res, 200, { tokens, count: tokens.length });
    }
    if (req.method === 'POST' && (path === '/v1/completions' || path === '/v1/chat/completions')) {
      const chat = path === '/v1/chat/completions';
      const body = await readJson(req);
      const prompt = tokensOf(body, chat);
      if (prompt.length === 0) throw new HttpError(400, 'the prompt has no tokens');
      const n = next++;
      const max = maxTokensOf(body);
      const output = Uint32Array.from({ length: max }, (_, i) => 1 + ((n * 7919 + i * 104_729) % 50_000));
      return serve({ id: `${chat ? 'chatcmpl' : 'cmpl'}-${workerId}-${n}`, prompt, output, chat, stream: streamOf(body) }, res);
    }
    throw new HttpError(404, `no route ${req.method} ${path}`);
  };

  const http = await listen(options.port, options.host ?? '127.0.0.1', handle, { keepAliveTimeout: 5_000 });
  return {
    url: http.url,
    port: http.port,
    publisher,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await http.close();
      publisher?.close();
      worker.free();
    },
  };
}
