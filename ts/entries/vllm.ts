/**
 * Entry `kvbm-sequence/vllm`: the engines' KV event decoder and the ZeroMQ event stream. It
 * imports the main entry by name, so that both share one WebAssembly instance; the stream loads
 * the optional peer dependency `zeromq` only when connected.
 *
 * Place: `ts/entries/vllm.ts`.
 * @module
 */

export * from '../router/vllm.js';
export * from '../router/vllm-stream.js';
export * from '../router/stream-sequencer.js';
