/**
 * `kvbm-sequence/slim`: the same API without the inlined module. `await init(input)` (bytes, a
 * `WebAssembly.Module`, a `Response` or a URL) or `initSync(bytes or module)` first.
 *
 * Place: `ts/entries/slim.ts`.
 * @module
 */

export * from '../api.js';
