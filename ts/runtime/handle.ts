/**
 * Ownership of objects that live in WebAssembly memory: a handle (slot index and generation),
 * `free()`, `[Symbol.dispose]()` and a `FinalizationRegistry` for what the user forgets.
 *
 * Place: `ts/runtime/handle.ts`.
 * @module
 */

import { kvbmObjectsCannotBeCloned_sendTheirDataInstead, toJSONValue } from './json.js';
import { check, exports, retWords } from './wasm.js';

interface Handle {
  index: number;
  generation: number;
}

// Where the runtime has no FinalizationRegistry (old Workers compatibility dates), objects
// still work and `free()` is the way to release them.
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Handle>((h) => {
        // The object is unreachable; its handle is still valid (free() unregisters it).
        exports().kv_free(h.index, h.generation);
        collector.collected++;
      })
    : undefined;

/** @internal How objects were released, for `memoryStats()`. */
export const collector = { freedByHand: 0, collected: 0, registered: registry !== undefined };

/** Node's `util.inspect` hook (a registered symbol, so no import of `node:util` is needed). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * `typeof Symbol.dispose` where the TypeScript library in use declares it (`ESNext.Disposable`,
 * ES2024 libraries, `@types/node`), otherwise `never`.
 */
export type DisposeSymbol = SymbolConstructor extends { readonly dispose: infer K extends symbol } ? K : never;

/**
 * `[Symbol.dispose]()` where the library declares `Symbol.dispose`, so that `using` type-checks
 * there while the types need no ESNext library anywhere else.
 */
export type Disposal = { [K in DisposeSymbol]: () => void };

/**
 * @internal What a cached count or length holds after `changed()` until it is read again: no
 * object has a count or length of -1, so one compare tells a stale cache from a valid one.
 */
export const STALE = -1;

/**
 * @internal An object's `*_info` words, kept until it may change (one per object: a cache in
 * the base class made reads megamorphic).
 */
export class InfoCache {
  // A plain array: its elements are small integers V8 reads without the uint32-to-number check
  // a Uint32Array element needs (counts read 1.5-2x faster).
  #words: number[] | undefined;

  /** @param fetch calls the object's `*_info` export */
  constructor(private readonly fetch: () => void) {}

  /** Word `i`, fetched on the first read after `clear()`. */
  word(i: number): number {
    const words = this.#words ?? this.#load();
    return words[i] as number;
  }

  #load(): number[] {
    this.fetch();
    return (this.#words = retWords());
  }

  /** Forgets the words (before any call that may change the object). */
  clear(): void {
    this.#words = undefined;
  }
}

/** Base of every WASM-backed class: holds the handle and frees it once. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class WasmObject {
  /** Slot index in the module's object table. */
  #index = 0;
  /** Slot generation; 0 once freed. */
  #generation = 0;

  /**
   * @internal Drops what a subclass caches of the object's state (counts, where its data sits):
   * called before every call that may change the object, and by `free()` and restore. Each
   * subclass keeps its cache in its own fields, so that reads stay monomorphic.
   */
  protected changed(): void {}

  /** @internal Makes `structuredClone` / `postMessage` throw rather than give `{}`. */
  readonly cannotBeCloned = kvbmObjectsCannotBeCloned_sendTheirDataInstead;

  /** Takes the handle just written by a constructor export (return words 0 and 1). */
  protected adoptHandle(index: number, generation: number): void {
    this.#index = index;
    this.#generation = generation;
    registry?.register(this, { index, generation }, this);
  }

  /**
   * Puts another handle behind this object (a restored snapshot's), freeing the one it had.
   * @internal
   */
  protected replaceHandle(index: number, generation: number): void {
    const [oldIndex, oldGeneration] = [this.#index, this.#generation];
    this.changed();
    registry?.unregister(this);
    this.adoptHandle(index, generation);
    if (oldGeneration !== 0) exports().kv_free(oldIndex, oldGeneration);
  }

  /** The handle's slot index; throws `TypeError` where the object was freed. */
  protected get index(): number {
    if (this.#generation === 0) this.freed();
    return this.#index;
  }

  /** The handle's generation (read after {@link WasmObject.index}). */
  protected get generation(): number {
    return this.#generation;
  }

  /** @internal The handle (index, generation), for calls that take two objects. */
  handle(): [number, number] {
    return [this.index, this.#generation];
  }

  private freed(): never {
    throw new TypeError(`${this.constructor.name}: the object has been freed`);
  }

  /** Whether {@link WasmObject.free} has been called. */
  get isFreed(): boolean {
    return this.#generation === 0;
  }

  /** Releases the WebAssembly memory now. A second call throws `TypeError`. */
  free(): void {
    const index = this.index;
    const generation = this.#generation;
    this.#generation = 0;
    this.changed();
    registry?.unregister(this);
    check(exports().kv_free(index, generation));
    collector.freedByHand++;
  }

  /** @internal What `console.log` / `util.inspect` show besides the class name. */
  protected summary(): Record<string, unknown> {
    return {};
  }

  /** What `JSON.stringify` writes: what the object holds (as `console.log` shows it), or `{ freed: true }`. */
  toJSON(): Record<string, unknown> {
    return toJSONValue(this.isFreed ? { freed: true } : this.summary()) as Record<string, unknown>;
  }

  /** Shows the class, what it holds and whether it was freed (Node's `util.inspect`, `console.log`). */
  [INSPECT](_depth: number, options: unknown, inspect?: (value: unknown, options: unknown) => string): string {
    const fields = this.isFreed ? { freed: true } : this.summary();
    const body = inspect ? inspect(fields, options) : JSON.stringify(fields, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    return `${this.constructor.name} ${body}`;
  }
}

/** Frees the object at the end of a `using` block (a no-op where already freed). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface WasmObject extends Disposal {}

// Only where the runtime has `Symbol.dispose` (Node 20, Deno, Bun, recent browsers).
const disposeSymbol = (Symbol as { dispose?: unknown }).dispose;
if (typeof disposeSymbol === 'symbol') {
  Object.defineProperty(WasmObject.prototype, disposeSymbol, {
    value(this: WasmObject): void {
      if (!this.isFreed) this.free();
    },
    writable: true,
    configurable: true,
  });
}
