/**
 * kvbm-sequence for browsers and bundlers: the module is inlined and loads on first use where
 * the runtime compiles synchronously (workers, Node-like test environments); on a page's main
 * thread, `await init()` once first.
 *
 * Place: `ts/entries/browser.ts`.
 * @module
 */

import { provideInlinedBytes } from '../runtime/init.js';
import { inlinedBytes } from '../runtime/inlined.js';

provideInlinedBytes(inlinedBytes);

export * from '../api.js';
