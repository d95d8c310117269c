/**
 * Entry `kvbm-sequence/vllm`: the vLLM event decoder. It imports the main entry by name, so
 * that both share one WebAssembly instance.
 *
 * Place: `ts/entries/vllm.ts`.
 * @module
 */

export * from '../router/vllm.js';
