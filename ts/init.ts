/**
 * Loading the WebAssembly module: `init()` (async) and `initSync()`. The module's bytes are
 * inlined in the bundle, so neither needs a path or a fetch unless the caller wants one.
 * @module
 */

import { WASM_BASE64 } from './generated/wasm-bytes.js';
import { adopt, check, exports, isLoaded, ret } from './wasm.js';

/** What `init` can load from: bytes, a compiled module, a `Response`, a URL, or a promise of them. */
export type InitInput = BufferSource | WebAssembly.Module | Response | URL | string | Promise<BufferSource | WebAssembly.Module | Response>;

/** The inlined module bytes. */
function inlinedBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(WASM_BASE64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/**
 * Loads the module synchronously from the inlined bytes (or from `input`: bytes or a compiled
 * `WebAssembly.Module`). A no-op where it is already loaded. In Node the default entry calls it.
 */
export function initSync(input?: BufferSource | WebAssembly.Module): void {
  if (isLoaded()) return;
  const module = input instanceof WebAssembly.Module ? input : new WebAssembly.Module(input ?? inlinedBytes());
  adopt(new WebAssembly.Instance(module, {}));
}

/**
 * Loads the module (browsers: call once before anything else). Without `input` it uses the
 * inlined bytes; `input` may be bytes, a compiled module, a `Response`, a URL or a promise of
 * them. A no-op where the module is already loaded.
 */
export async function init(input?: InitInput): Promise<void> {
  if (isLoaded()) return;
  let source = await input;
  if (typeof source === 'string' || source instanceof URL) source = await fetch(source);
  let instance: WebAssembly.Instance;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, {});
  } else if (typeof Response !== 'undefined' && source instanceof Response) {
    const bytes = await source.arrayBuffer();
    instance = (await WebAssembly.instantiate(bytes, {})).instance;
  } else {
    const bytes: BufferSource = (source as BufferSource | undefined) ?? inlinedBytes();
    instance = (await WebAssembly.instantiate(bytes, {})).instance;
  }
  adopt(instance);
}

/** Figures for leak checks and capacity planning. */
export interface MemoryStats {
  /** Bytes of WebAssembly linear memory (it grows, never shrinks). */
  readonly memoryBytes: number;
  /** Sequences and assignment records alive in the module. */
  readonly liveObjects: number;
}

/** Current WebAssembly memory size and number of live objects. */
export function memoryStats(): MemoryStats {
  const raw = exports();
  check(raw.kv_live_objects());
  return { memoryBytes: raw.memory.buffer.byteLength, liveObjects: ret(0) };
}
