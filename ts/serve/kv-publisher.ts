/**
 * A simulated engine's KV event publisher, as vLLM's `ZmqEventPublisher` serves it (SPEC
 * §6.5.1): a PUB socket sending `[topic, seq (8 bytes, big-endian), payload]`, and a ROUTER
 * replay socket answering `[empty, start]` with every buffered batch from `start` on, then the
 * end marker (`seq` = -1, empty payload). Payloads are current vLLM's batches as msgpack
 * (`{ts, events, data_parallel_rank}` with tagged-map events). `zeromq` is an optional peer
 * dependency, loaded when a publisher starts.
 *
 * Place: `ts/serve/kv-publisher.ts`.
 * @module
 */

import { encode } from '@msgpack/msgpack';
import type { KvEvent } from 'kvbm-sequence';

interface Socket {
  bind(address: string): Promise<void>;
  close(): void;
  linger: number;
  send(frames: Uint8Array[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}
interface Zmq {
  Publisher: new () => Socket;
  Router: new () => Socket;
}

const END = new Uint8Array(8).fill(0xff);

function seqBytes(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

/** Turns the engine's pool events into vLLM's wire events; `tokensOf` gives each stored block's tokens. */
export function wireEvents(
  events: readonly KvEvent[],
  blockSize: number,
  tokensOf: (blockHash: bigint) => Uint32Array | undefined,
): unknown[] {
  const out: unknown[] = [];
  for (const e of events) {
    if (e.type === 'stored') {
      const tokens: number[] = [];
      for (const b of e.blocks) tokens.push(...(tokensOf(BigInt(b.blockHash)) ?? []));
      out.push({
        type: 'BlockStored',
        block_hashes: e.blocks.map((b) => BigInt(b.blockHash)),
        parent_block_hash: e.parentHash === null || e.parentHash === undefined ? null : BigInt(e.parentHash),
        token_ids: tokens,
        block_size: blockSize,
        lora_id: null,
        medium: 'GPU',
        lora_name: null,
      });
    } else if (e.type === 'removed') {
      out.push({ type: 'BlockRemoved', block_hashes: Array.from(e.blockHashes, (h) => BigInt(h)), medium: 'GPU' });
    } else {
      out.push({ type: 'AllBlocksCleared' });
    }
  }
  return out;
}

/** The publisher. */
export class KvPublisher {
  readonly #pub: Socket;
  readonly #replay: Socket | undefined;
  readonly #buffer: Array<[number, Uint8Array]> = [];
  readonly #bufferSteps: number;
  #next = 0;
  #closed = false;
  /** The last send: a ZeroMQ socket takes one send at a time, so batches queue behind it in order. */
  #sending: Promise<void> = Promise.resolve();
  /** When set, a batch for which it returns true is numbered and buffered but not sent live (fault tests). */
  drop: ((seq: number) => boolean) | undefined;

  private constructor(zmq: Zmq, bufferSteps: number, replay: boolean) {
    this.#pub = new zmq.Publisher();
    this.#pub.linger = 0;
    this.#replay = replay ? new zmq.Router() : undefined;
    if (this.#replay) this.#replay.linger = 0;
    this.#bufferSteps = bufferSteps;
  }

  /** Binds the live socket (and the replay socket). Needs the optional peer dependency `zeromq`. */
  static async start(endpoint: string, replayEndpoint: string | undefined, bufferSteps = 10_000): Promise<KvPublisher> {
    let zmq: Zmq;
    try {
      zmq = (await import('zeromq')) as unknown as Zmq;
    } catch (cause) {
      throw new Error('publishing KV events needs the optional peer dependency zeromq: npm install zeromq', { cause });
    }
    const p = new KvPublisher(zmq, bufferSteps, replayEndpoint !== undefined);
    await p.#pub.bind(endpoint);
    if (p.#replay !== undefined && replayEndpoint !== undefined) {
      await p.#replay.bind(replayEndpoint);
      void p.#serve(p.#replay);
    }
    return p;
  }

  /** Publishes one batch of wire events. */
  async publish(events: unknown[], dpRank = 0): Promise<void> {
    if (this.#closed || events.length === 0) return;
    const payload = encode({ ts: Date.now() / 1000, events, data_parallel_rank: dpRank }, { useBigInt64: true });
    const seq = this.#next++;
    this.#buffer.push([seq, payload]);
    if (this.#buffer.length > this.#bufferSteps) this.#buffer.shift();
    if (this.drop?.(seq)) return;
    const send = this.#sending.then(() => this.#pub.send([new Uint8Array(0), seqBytes(seq), payload]));
    this.#sending = send.catch(() => undefined);
    await send;
  }

  async #serve(router: Socket): Promise<void> {
    while (!this.#closed) {
      let frames: Buffer[];
      try {
        frames = await router.receive();
      } catch {
        return;
      }
      if (frames.length !== 3) continue;
      const [id, , start] = frames as [Buffer, Buffer, Buffer];
      if (start.length !== 8) continue;
      const from = Number(start.readBigUInt64BE(0));
      try {
        for (const [seq, payload] of [...this.#buffer]) if (seq >= from) await router.send([id, new Uint8Array(0), seqBytes(seq), payload]);
        await router.send([id, new Uint8Array(0), END, new Uint8Array(0)]);
      } catch {
        return;
      }
    }
  }

  /** Closes both sockets. */
  close(): void {
    this.#closed = true;
    this.#pub.close();
    this.#replay?.close();
  }
}
