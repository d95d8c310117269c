// A KV event publisher over real ZeroMQ sockets on 127.0.0.1 that behaves as vLLM's
// ZmqEventPublisher (SPEC §6.5.1: PUB [topic, seq, payload], a replay ROUTER serving
// [empty, seq, payload]… then the end marker, a bounded buffer) and can be told to misbehave:
// drop live batches (kept for replay), restart (the counter and buffer start over), duplicate
// a batch in its replay answers, or stop answering replays.
import { Publisher, Router } from 'zeromq';

const END = new Uint8Array(8).fill(0xff);

function seqBytes(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

export class FaultPublisher {
  readonly pub = new Publisher({ linger: 0 });
  readonly router = new Router({ linger: 0 });
  endpoint = '';
  replayEndpoint = '';
  /** Batches kept for replay (vLLM's `buffer_steps`). */
  bufferSteps: number;
  /** Replay answers send this batch twice (a duplicate on the replay socket). */
  duplicateInReplay: number | undefined;
  /** Replay requests are read but never answered (the consumer times out). */
  silentReplay = false;
  #buffer: Array<[number, Uint8Array]> = [];
  #next = 0;
  #serving: Promise<void> | undefined;

  constructor(bufferSteps = 10_000) {
    this.bufferSteps = bufferSteps;
  }

  async start(): Promise<this> {
    await this.pub.bind('tcp://127.0.0.1:*');
    await this.router.bind('tcp://127.0.0.1:*');
    this.endpoint = this.pub.lastEndpoint as string;
    this.replayEndpoint = this.router.lastEndpoint as string;
    this.#serving = this.#serve();
    return this;
  }

  /** Publishes the next batch; with `drop`, it is numbered and buffered but never sent live. */
  async publish(payload: Uint8Array, options: { drop?: boolean } = {}): Promise<number> {
    const seq = this.#next++;
    this.#buffer.push([seq, payload]);
    if (this.#buffer.length > this.bufferSteps) this.#buffer.shift();
    if (!options.drop) await this.pub.send([new Uint8Array(0), seqBytes(seq), payload]);
    return seq;
  }

  /** Sends a batch live under a given number (out of order, or again). */
  async sendAs(seq: number, payload: Uint8Array): Promise<void> {
    await this.pub.send([new Uint8Array(0), seqBytes(seq), payload]);
  }

  /** An engine restart: a new publisher counts from 0 with an empty buffer. */
  restart(): void {
    this.#next = 0;
    this.#buffer = [];
  }

  async #serve(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.router.receive();
      } catch {
        return;
      }
      if (frames.length !== 3 || this.silentReplay) continue;
      const [id, , start] = frames as [Buffer, Buffer, Buffer];
      const from = Number(start.readBigUInt64BE(0));
      for (const [seq, payload] of this.#buffer) {
        if (seq < from) continue;
        await this.router.send([id, new Uint8Array(0), seqBytes(seq), payload]);
        if (seq === this.duplicateInReplay) await this.router.send([id, new Uint8Array(0), seqBytes(seq), payload]);
      }
      await this.router.send([id, new Uint8Array(0), END, new Uint8Array(0)]);
    }
  }

  close(): Promise<void> {
    this.pub.close();
    this.router.close();
    return this.#serving ?? Promise.resolve();
  }
}
