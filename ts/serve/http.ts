/**
 * The small HTTP helpers both servers share (Node's own `http`): reading a JSON body with a size
 * limit, answering JSON or an OpenAI-style error, and the request fields both servers check.
 *
 * Place: `ts/serve/http.ts`.
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ChatMessage } from './toy-tokenizer.js';

/** An error with the HTTP status it answers with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The request's body as bytes (at most `limit`). */
export async function readBody(req: IncomingMessage, limit = 64 * 2 ** 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The request's body as a JSON object. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Answers JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Answers an error as OpenAI's servers do: `{ error: { message, type, code } }`. */
export function sendError(res: ServerResponse, e: unknown): void {
  const status = e instanceof HttpError ? e.status : 500;
  const message = e instanceof Error ? e.message : String(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(
    res,
    status,
    { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: status } },
    e instanceof HttpError ? e.headers : {},
  );
}

/** `max_tokens` (default 16, at most 1 000 000). */
export function maxTokensOf(body: Record<string, unknown>): number {
  const v = body.max_tokens ?? body.max_completion_tokens ?? 16;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1_000_000)
    throw new HttpError(400, 'max_tokens must be an integer in 1..1000000');
  return v;
}

/** `stream` (default false). */
export function streamOf(body: Record<string, unknown>): boolean {
  const v = body.stream ?? false;
  if (typeof v !== 'boolean') throw new HttpError(400, 'stream must be a boolean');
  return v;
}

/** `prompt` as text or token ids. */
export function promptOf(body: Record<string, unknown>): string | number[] {
  const p = body.prompt;
  if (typeof p === 'string') return p;
  if (Array.isArray(p) && p.every((t) => typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= 0xffff_ffff)) return p as number[];
  throw new HttpError(400, 'prompt must be a string or an Array of token ids (integers in 0..4294967295)');
}

/** `messages` of a chat. */
export function messagesOf(body: Record<string, unknown>): ChatMessage[] {
  const m = body.messages;
  if (!Array.isArray(m) || m.length === 0) throw new HttpError(400, 'messages must be a non-empty Array of { role, content }');
  return m.map((x: unknown, i) => {
    const msg = x as Record<string, unknown> | null;
    if (msg === null || typeof msg !== 'object' || typeof msg.role !== 'string' || typeof msg.content !== 'string') {
      throw new HttpError(400, `messages[${i}] must be { role: string, content: string }`);
    }
    return { role: msg.role, content: msg.content };
  });
}

/** A listening server: where it is, and how to stop it (open connections are cut). */
export interface Listening {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `handle` on `host:port` (0: a free port); a handler's error is answered by
 * {@link sendError}. Resolves once listening; a port in use rejects.
 */
export async function listen(
  port: number,
  host: string,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>,
  options: { keepAliveTimeout?: number } = {},
): Promise<Listening> {
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => sendError(res, e));
  });
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
