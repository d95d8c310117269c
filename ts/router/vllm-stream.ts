/**
 * One engine's KV event stream over ZeroMQ, as vLLM's `ZmqEventPublisher` (and SGLang's copy)
 * serves it (SPEC §6.5.1): a SUB socket on the live PUB (`[topic, seq, payload]`) and a DEALER
 * on the replay ROUTER (`[empty, start]` → `[empty, seq, payload]`… `[empty, -1, ""]`). Gaps are
 * recovered through the replay, and what cannot be is counted and follows the caller's policy
 * ({@link BatchSequencer}). `zeromq` is an optional peer dependency, loaded only here.
 *
 * Place: `ts/router/vllm-stream.ts`.
 * @module
 */

import type { KvEvent } from 'kvbm-sequence';
import { BatchSequencer, type LostEventsPolicy, type ReplayAnswer, type StreamCounters, type StreamReport } from './stream-sequencer.js';
import { VllmDecoder, sequenceOf, type DecodeCounts, type DecodeWarning, type TierEvent, type VllmSource } from './vllm.js';

/** Where a {@link VllmStream} sends what it decodes: a `KvIndex`, or anything with `applyEvents`. */
export interface EventSink {
  /** Applies index events in order. */
  applyEvents(events: readonly KvEvent[]): unknown;
}

/** Options of {@link VllmStream.connect}. */
export interface VllmStreamOptions extends VllmSource {
  /** The engine's live endpoint (`--kv-events-config '{"endpoint": …}'`), e.g. `tcp://127.0.0.1:5557`. */
  readonly endpoint: string;
  /** Its replay endpoint (`"replay_endpoint"`), where the engine serves one. */
  readonly replayEndpoint?: string;
  /** The SUB prefix filter (vLLM's `topic`, default `""`). */
  readonly topic?: string;
  /** Where the events go. */
  readonly sink: EventSink;
  /** Lower-tier events (host, disk), where the caller wants them. */
  readonly onTierEvents?: (events: TierEvent[]) => void;
  /** After events were lost: keep the worker's blocks (default, as Dynamo does) or clear them. */
  readonly onLostEvents?: LostEventsPolicy;
  /** How long one replay may take (default 1000 ms). */
  readonly replayTimeoutMs?: number;
  /** Hears every anomaly of the stream. */
  readonly onReport?: (report: StreamReport) => void;
  /** Hears each decoding warning once (block-size mismatch, unknown fields…). */
  readonly onWarning?: (warning: DecodeWarning) => void;
}

/** The stream's state, for stats and dashboards. */
export interface VllmStreamStats extends StreamCounters {
  /** Last sequence number applied. */
  readonly lastSeq: bigint | undefined;
  /** Events were lost since the worker was last whole. */
  readonly degraded: boolean;
  /** What decoding could not use. */
  readonly decode: DecodeCounts;
}

/** The parts of `zeromq` v6 this module uses. */
interface ZmqSocket {
  connect(address: string): void;
  close(): void;
  receiveTimeout: number;
  linger: number;
  send(frames: Uint8Array[]): Promise<void>;
  receive(): Promise<Uint8Array[]>;
}
interface ZmqSubscriber extends ZmqSocket {
  subscribe(...prefixes: string[]): void;
}
interface Zmq {
  Subscriber: new () => ZmqSubscriber;
  Dealer: new () => ZmqSocket;
}

const END = 0xffff_ffff_ffff_ffffn;

function seqBytes(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
}

/** A live subscription to one engine: running until {@link VllmStream.close}. */
export class VllmStream {
  readonly #sub: ZmqSubscriber;
  readonly #zmq: Zmq;
  readonly #options: VllmStreamOptions;
  readonly #decoder: VllmDecoder;
  readonly #sequencer: BatchSequencer;
  readonly #done: Promise<void>;
  #closed = false;

  private constructor(zmq: Zmq, options: VllmStreamOptions) {
    this.#zmq = zmq;
    this.#options = options;
    this.#decoder = new VllmDecoder(options, options.onWarning);
    const worker = { workerId: options.workerId, dpRank: options.dpRank ?? 0 };
    this.#sequencer = new BatchSequencer({
      apply: (_seq, payload) => this.#apply(payload),
      clearWorker: () => void options.sink.applyEvents([{ type: 'cleared', ...worker }]),
      replay: options.replayEndpoint === undefined ? undefined : (from, until) => this.#replay(from, until),
      onReport: options.onReport,
      onLostEvents: options.onLostEvents,
    });
    this.#sub = new zmq.Subscriber();
    this.#sub.linger = 0;
    try {
      this.#sub.connect(options.endpoint);
      this.#sub.subscribe(options.topic ?? '');
    } catch (e) {
      this.#sub.close(); // a bad address must not leave a socket open
      throw e;
    }
    this.#done = this.#run();
  }

  /** Connects to an engine's publisher (and replay socket). Needs the optional peer dependency `zeromq`. */
  static async connect(options: VllmStreamOptions): Promise<VllmStream> {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (typeof options.endpoint !== 'string') throw new TypeError('options.endpoint must be a ZeroMQ address such as tcp://127.0.0.1:5557');
    if (options.sink === null || typeof options.sink?.applyEvents !== 'function')
      throw new TypeError('options.sink must have applyEvents(events)');
    const t = options.replayTimeoutMs;
    if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > 0))
      throw new RangeError('options.replayTimeoutMs must be a finite number > 0');
    if (options.onLostEvents !== undefined && options.onLostEvents !== 'keep' && options.onLostEvents !== 'clearWorker') {
      throw new TypeError("options.onLostEvents must be 'keep' or 'clearWorker'");
    }
    let zmq: Zmq;
    try {
      zmq = (await import('zeromq')) as unknown as Zmq;
    } catch (cause) {
      throw new Error('VllmStream needs the optional peer dependency zeromq: npm install zeromq', { cause });
    }
    return new VllmStream(zmq, options);
  }

  /** Counters, the last sequence number, whether events were lost, and what decoding could not use. */
  get stats(): VllmStreamStats {
    const s = this.#sequencer;
    return { ...s.counters, lastSeq: s.lastSeq, degraded: s.degraded, decode: this.#decoder.counts };
  }

  /** The caller re-dumped the worker into the index: it is whole again. */
  markWhole(): void {
    this.#sequencer.markWhole();
  }

  /** Stops the subscription; resolves when the receive loop has ended. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sub.close();
    await this.#done;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      let frames: Uint8Array[];
      try {
        frames = await this.#sub.receive();
      } catch {
        return; // closed
      }
      if (frames.length !== 3) {
        this.#options.onReport?.({
          kind: 'malformedBatch',
          seq: -1n,
          message: `a live message of ${frames.length} frames, not [topic, seq, payload]`,
        });
        continue;
      }
      let seq: bigint;
      try {
        seq = sequenceOf(new Uint8Array(frames[1] as Uint8Array));
      } catch (e) {
        this.#options.onReport?.({ kind: 'malformedBatch', seq: -1n, message: (e as Error).message });
        continue;
      }
      await this.#sequencer.live(seq, frames[2] as Uint8Array);
    }
  }

  #apply(payload: Uint8Array): void {
    const batch = this.#decoder.decode(new Uint8Array(payload));
    this.#options.sink.applyEvents(batch.events);
    if (batch.tierEvents.length > 0) this.#options.onTierEvents?.(batch.tierEvents);
    if (batch.events.some((e) => e.type === 'cleared')) this.#sequencer.markWhole();
  }

  /** One replay request on a fresh DEALER: `[empty, start]`, then `[empty, seq, payload]` until the end marker, `until`, or the timeout. */
  async #replay(from: bigint, until: bigint): Promise<ReplayAnswer> {
    const dealer = new this.#zmq.Dealer();
    dealer.linger = 0;
    const deadline = Date.now() + (this.#options.replayTimeoutMs ?? 1000);
    const batches: Array<readonly [bigint, Uint8Array]> = [];
    try {
      dealer.connect(this.#options.replayEndpoint as string);
      await dealer.send([new Uint8Array(0), seqBytes(from)]);
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return { batches, complete: false };
        dealer.receiveTimeout = left;
        const frames = await dealer.receive();
        if (frames.length !== 3) continue;
        const seq = sequenceOf(new Uint8Array(frames[1] as Uint8Array));
        if (seq === END) return { batches, complete: true };
        batches.push([seq, new Uint8Array(frames[2] as Uint8Array)]);
        if (seq >= until - 1n) return { batches, complete: true };
      }
    } catch {
      return { batches, complete: false };
    } finally {
      dealer.close();
    }
  }
}
