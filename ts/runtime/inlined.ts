/**
 * The module's bytes, inlined in the default entries as base64 (the `/slim` entry leaves them
 * out; `kvbm-sequence/wasm` is the same module as a file).
 *
 * Place: `ts/runtime/inlined.ts`.
 * @module
 */

import { WASM_BASE64 } from '../generated/wasm-bytes.js';

/** Decodes the inlined module. */
export function inlinedBytes(): Uint8Array {
  const text = atob(WASM_BASE64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
