/**
 * `kvbm-sequence/slim` as an ES module: as `slim.ts`, and `init()` without input fetches the
 * `.wasm` file beside this one (the form bundlers recognise and emit as one asset).
 *
 * Place: `ts/entries/slim-url.ts`.
 * @module
 */

import { provideDefaultUrl } from '../runtime/init.js';

provideDefaultUrl(() => new URL('./kvbm_sequence.wasm', import.meta.url));

export * from '../api.js';
