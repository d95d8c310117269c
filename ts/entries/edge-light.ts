/**
 * kvbm-sequence for Vercel's Edge Runtime (`edge-light` condition): the `.wasm` file is imported
 * with the `?module` suffix that runtime uses for a compiled module, instantiated at import.
 *
 * Place: `ts/entries/edge-light.ts`.
 * @module
 */

import wasmModule from './kvbm_sequence.wasm?module';
import { initSync } from '../runtime/init.js';

initSync(wasmModule);

export * from '../api.js';
