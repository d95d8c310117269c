/**
 * kvbm-sequence for browsers: `await init()` once before using anything else.
 * @module
 */

export * from './api.js';
