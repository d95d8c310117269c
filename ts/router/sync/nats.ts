/**
 * Replica sync over NATS Core (SPEC §6.8): one subject (Dynamo's `active_sequences_events`),
 * one message per event. `@nats-io/transport-node` is an optional peer dependency, loaded only
 * when a transport connects.
 *
 * Place: `ts/router/sync/nats.ts`.
 * @module
 */

import type { SyncTransport } from 'kvbm-sequence';

/** Options of {@link NatsSyncTransport.connect}. */
export interface NatsSyncOptions {
  /** The NATS server(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | string[];
  /** The subject (default Dynamo's `active_sequences_events`). */
  readonly subject?: string;
  /** Connection name, as the server's monitoring shows it. */
  readonly name?: string;
}

/** The parts of `@nats-io/transport-node` v3 this module uses. */
interface NatsConnection {
  publish(subject: string, payload: Uint8Array): void;
  subscribe(subject: string, opts: { callback: (err: Error | null, msg: { data: Uint8Array }) => void }): { unsubscribe(): void };
  drain(): Promise<void>;
  close(): Promise<void>;
  isClosed(): boolean;
}
interface NatsModule {
  connect(opts: { servers: string | string[]; name?: string }): Promise<NatsConnection>;
}

/** A router replica's sync transport over NATS. */
export class NatsSyncTransport implements SyncTransport {
  readonly #nc: NatsConnection;
  readonly #subject: string;
  #sub: { unsubscribe(): void } | undefined;

  private constructor(nc: NatsConnection, subject: string) {
    this.#nc = nc;
    this.#subject = subject;
  }

  /** Connects to NATS. Needs the optional peer dependency `@nats-io/transport-node`. */
  static async connect(options: NatsSyncOptions): Promise<NatsSyncTransport> {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be { servers, subject? }');
    const { servers } = options;
    if (typeof servers !== 'string' && !(Array.isArray(servers) && servers.every((s) => typeof s === 'string'))) {
      throw new TypeError('options.servers must be a NATS URL such as nats://127.0.0.1:4222, or an Array of them');
    }
    const subject = options.subject ?? 'active_sequences_events';
    if (typeof subject !== 'string' || subject.length === 0 || /\s/.test(subject))
      throw new TypeError('options.subject must be a NATS subject');
    let nats: NatsModule;
    try {
      nats = (await import('@nats-io/transport-node')) as unknown as NatsModule;
    } catch (cause) {
      throw new Error('NatsSyncTransport needs the optional peer dependency @nats-io/transport-node: npm install @nats-io/transport-node', {
        cause,
      });
    }
    const nc = await nats.connect({ servers, ...(options.name === undefined ? {} : { name: options.name }) });
    return new NatsSyncTransport(nc, subject);
  }

  /** Publishes to the subject. */
  publish(message: Uint8Array): void {
    if (!this.#nc.isClosed()) this.#nc.publish(this.#subject, message);
  }

  /** Hears the subject. */
  subscribe(onMessage: (message: Uint8Array) => void): void {
    if (this.#sub !== undefined) throw new Error('this transport is subscribed already');
    this.#sub = this.#nc.subscribe(this.#subject, { callback: (err, msg) => err === null && onMessage(msg.data) });
  }

  /** Flushes what was published and disconnects. */
  async close(): Promise<void> {
    if (this.#nc.isClosed()) return;
    await this.#nc.drain();
  }
}
