/**
 * kvbm-sequence for Node: the module is loaded when this entry is imported, so `init()` and
 * `initSync()` are no-ops here.
 * @module
 */

import { initSync } from './init.js';

initSync();

export * from './api.js';
