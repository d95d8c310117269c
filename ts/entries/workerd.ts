/**
 * kvbm-sequence for Cloudflare Workers (`workerd` condition): the `.wasm` file is imported as a
 * module (Workers may not compile from bytes) and instantiated at import; no `init()` needed.
 *
 * Place: `ts/entries/workerd.ts`.
 * @module
 */

import wasmModule from './kvbm_sequence.wasm';
import { initSync } from '../runtime/init.js';

initSync(wasmModule);

export * from '../api.js';
