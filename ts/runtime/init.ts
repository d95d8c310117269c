/**
 * Loading the WebAssembly module: `init()` (async) and `initSync()`. The default entries inline
 * the module's bytes and load them on first use where the runtime compiles synchronously; the
 * `/slim` entry ships none, so its caller passes the module (or its URL).
 *
 * Place: `ts/runtime/init.ts`.
 * @module
 */

import { collector } from './handle.js';
import { adopt, check, exports, isLoaded, ret, setLazyLoader } from './wasm.js';

/** Bytes: an `ArrayBuffer` or a view of one (`BufferSource` in the DOM library). */
export type BytesLike = ArrayBuffer | ArrayBufferView;

/**
 * A compiled `WebAssembly.Module`. Typed as any object so that the public types need neither the
 * DOM library nor `@types/node`; checked at run time.
 */
export type CompiledModule = object;

/** A fetch `Response` (anything with `arrayBuffer()`). */
export interface ResponseLike {
  /** The body's bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A `URL` (anything with an `href`). */
export interface UrlLike {
  /** The address. */
  readonly href: string;
}

/** What `init` can load from: bytes, a compiled module, a `Response`, a URL, or a promise of them. */
export type InitInput =
  BytesLike | CompiledModule | ResponseLike | UrlLike | string | PromiseLike<BytesLike | CompiledModule | ResponseLike>;

/** The WebAssembly API, typed locally (the ES library has none). */
interface WasmApi {
  Module: new (bytes: BytesLike) => object;
  Instance: new (module: object, imports: object) => object;
  instantiate(source: object, imports: object): Promise<object>;
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The inlined module's bytes, where the entry has them (`/slim` has not). */
let inlined: (() => Uint8Array) | undefined;

/** @internal Gives the entry's inlined bytes: `init()` without input and first use load them. */
export function provideInlinedBytes(bytes: () => Uint8Array): void {
  inlined = bytes;
  setLazyLoader(() => initSync());
}

function isModule(value: unknown): value is object {
  return value instanceof wasm.Module;
}

function isBytes(value: unknown): value is BytesLike {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function noInput(): never {
  throw new TypeError(
    'kvbm-sequence/slim ships no module: pass it to init() or initSync() ' +
      "(bytes, a WebAssembly.Module, a Response or a URL of 'kvbm-sequence/wasm')",
  );
}

/**
 * Loads the module synchronously from `input` (bytes or a compiled `WebAssembly.Module`), or
 * from the inlined bytes where the entry has them. A no-op where it is already loaded. Node's
 * default entry calls it at import; elsewhere the first use calls it where the runtime allows a
 * synchronous compile.
 */
export function initSync(input?: BytesLike | CompiledModule): void {
  if (isLoaded()) return;
  let module: object;
  if (input === undefined) module = new wasm.Module(inlined ? inlined() : noInput());
  else if (isModule(input)) module = input;
  else if (isBytes(input)) module = new wasm.Module(input);
  else throw new TypeError('initSync takes bytes (ArrayBuffer or a view) or a WebAssembly.Module');
  adopt(new wasm.Instance(module, {}));
}

/**
 * Loads the module (in browsers, once before anything else, or let the first use do it).
 * Without `input` it uses the inlined bytes (the `/slim` entry: the `.wasm` file beside it);
 * `input` may be bytes, a compiled module, a `Response`, a URL or a promise of them. A no-op
 * where the module is already loaded.
 */
export async function init(input?: InitInput): Promise<void> {
  if (isLoaded()) return;
  let source: unknown = await input;
  if (source === undefined && inlined === undefined) source = defaultUrl();
  if (typeof source === 'string' || (typeof source === 'object' && source !== null && 'href' in source)) {
    source = await fetch(typeof source === 'string' ? source : (source as UrlLike).href);
  }
  let instance: object;
  if (source === undefined) {
    instance = await instantiateBytes(inlined!());
  } else if (isModule(source)) {
    instance = await wasm.instantiate(source, {});
  } else if (isBytes(source)) {
    instance = await instantiateBytes(source);
  } else if (typeof source === 'object' && source !== null && typeof (source as ResponseLike).arrayBuffer === 'function') {
    const response = source as ResponseLike & { ok?: boolean; status?: number; url?: string };
    if (response.ok === false) throw new Error(`kvbm-sequence: fetching the module failed (${response.status} ${response.url ?? ''})`);
    instance = await instantiateBytes(await response.arrayBuffer());
  } else {
    throw new TypeError('init takes bytes, a WebAssembly.Module, a Response, a URL or a promise of one of them');
  }
  adopt(instance);
}

/** Compiles and instantiates bytes (`WebAssembly.instantiate` gives `{ module, instance }`). */
async function instantiateBytes(bytes: BytesLike): Promise<object> {
  return ((await wasm.instantiate(bytes, {})) as { instance: object }).instance;
}

/** Where `/slim`'s `init()` looks without input: set by the ESM entry (`import.meta.url`). */
let defaultUrl: () => UrlLike | undefined = noInput;

/** @internal Sets where `init()` without input fetches the module from (the `/slim` ESM entry). */
export function provideDefaultUrl(url: () => UrlLike): void {
  defaultUrl = url;
}

/** Figures for leak checks and capacity planning. */
export interface MemoryStats {
  /** Bytes of WebAssembly linear memory (it grows, never shrinks). */
  readonly memoryBytes: number;
  /**
   * Objects alive in the module (sequences, records, indexes, pools, trackers): not yet
   * released by `free()`, `using` or the garbage collector. In a loop that frees what it makes,
   * this stays flat; a count that keeps growing is a leak, or objects waiting for the collector.
   */
  readonly liveObjects: number;
  /** Bytes the module's allocator holds now: live objects and the module's buffers. */
  readonly heapBytes: number;
  /**
   * Times linear memory grew. It grows in big steps (doubling, by 16 MiB to 1 GiB), so this
   * stays small; {@link reserve} makes room for a known load in one step.
   */
  readonly memoryGrows: number;
  /** Objects released by `free()` (or `using`) so far. */
  readonly freedByHand: number;
  /**
   * Objects released by the garbage collector so far (through `FinalizationRegistry`; 0 where
   * the runtime has none). The collector releases nothing while synchronous code runs: a loop
   * that leaves its objects to it holds all of them until it yields to the event loop.
   */
  readonly collectedObjects: number;
  /** Whether the runtime has `FinalizationRegistry` (else only `free()` releases objects). */
  readonly collectorAvailable: boolean;
}

/** Current WebAssembly memory size, live objects and bytes, and how objects were released. */
export function memoryStats(): MemoryStats {
  const raw = exports();
  check(raw.kv_live_objects());
  return {
    memoryBytes: raw.memory.buffer.byteLength,
    liveObjects: ret(0),
    heapBytes: ret(1),
    memoryGrows: ret(2),
    freedByHand: collector.freedByHand,
    collectedObjects: collector.collected,
    collectorAvailable: collector.registered,
  };
}

/**
 * Makes `bytes` of WebAssembly memory available in one growth now, for a load whose size is known
 * (a gateway about to ingest an event storm): later allocations up to it grow nothing, and the
 * host maps its pages now (it does so on first write, which on a slow VM is most of a cold
 * start: 0.7 s for 256 MiB). Returns `false` where memory cannot grow that far (nothing changed
 * then).
 */
export function reserve(bytes: number): boolean {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0)
    throw new RangeError(`bytes must be a finite number >= 0, got ${String(bytes)}`);
  const mib = Math.ceil(bytes / 2 ** 20);
  if (mib > 4096) return false;
  check(exports().kv_reserve(mib));
  return ret(0) === 1;
}
