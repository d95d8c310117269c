/**
 * kvbm-sequence for Node (ESM, CommonJS, and runtimes that load Node's entry: Bun, Deno): the
 * module is loaded when this entry is imported, so `init()` and `initSync()` are no-ops here.
 *
 * Place: `ts/entries/node.ts`.
 * @module
 */

import { initSync, provideInlinedBytes } from '../runtime/init.js';
import { inlinedBytes } from '../runtime/inlined.js';

provideInlinedBytes(inlinedBytes);
initSync();

export * from '../api.js';
