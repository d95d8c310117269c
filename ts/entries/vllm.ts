/**
 * Entry `kvbm-sequence/vllm`: the engines' KV event decoder, the ZeroMQ event stream and the NATS
 * replica-sync transport. It imports the main entry by name, so that both share one WebAssembly
 * instance; the stream loads the optional peer dependency `zeromq`, the transport
 * `@nats-io/transport-node`, only when connected.
 *
 * Place: `ts/entries/vllm.ts`.
 * @module
 */

export * from '../router/vllm.js';
export * from '../router/vllm-stream.js';
export * from '../router/stream-sequencer.js';
export * from '../router/sync/nats.js';
