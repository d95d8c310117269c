/**
 * How router replicas hear each other (SPEC §6.8): a transport publishes opaque messages to
 * every replica on one subject and hands each replica what the others publish. The router
 * does not care what carries them; {@link InProcessSyncBus} links replicas in one process
 * (tests, workers sharing a process), `NatsSyncTransport` (entry `kvbm-sequence/vllm`) uses NATS.
 *
 * Place: `ts/router/sync/transport.ts`.
 * @module
 */

/** One replica's end of a sync channel. */
export interface SyncTransport {
  /** Sends a message to every replica (the sender may hear it too; the router ignores its own). */
  publish(message: Uint8Array): void;
  /** Hands every message heard to `onMessage`, in the order each publisher sent them. */
  subscribe(onMessage: (message: Uint8Array) => void): void;
  /** Stops hearing and sending. */
  close(): void | Promise<void>;
}

/**
 * Replicas in one process: each {@link InProcessSyncBus.connect} is one replica's transport.
 * Messages are delivered asynchronously (a microtask later), in order, like a network would,
 * and `drop` lets a test lose some.
 */
export class InProcessSyncBus {
  readonly #listeners = new Set<(message: Uint8Array) => void>();
  #pending = 0;
  #idle: Array<() => void> = [];
  /** When set, a message for which it returns true is lost (tests of gaps). */
  drop: ((message: Uint8Array) => boolean) | undefined;

  /** A new replica's transport on this bus. */
  connect(): SyncTransport {
    let listener: ((message: Uint8Array) => void) | undefined;
    return {
      publish: (message) => {
        if (!(message instanceof Uint8Array)) throw new TypeError('message must be a Uint8Array');
        const copy = message.slice();
        for (const l of this.#listeners) {
          if (this.drop?.(copy)) continue;
          this.#pending++;
          queueMicrotask(() => {
            try {
              if (this.#listeners.has(l)) l(copy);
            } finally {
              if (--this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
            }
          });
        }
      },
      subscribe: (onMessage) => {
        if (listener !== undefined) throw new Error('this transport is subscribed already');
        listener = (m) => onMessage(m);
        this.#listeners.add(listener);
      },
      close: () => {
        if (listener !== undefined) this.#listeners.delete(listener);
      },
    };
  }

  /** Resolves once every message published so far was delivered. */
  settled(): Promise<void> {
    return this.#pending === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }
}
