// A fresh instance of the module the package ships (dist/kvbm_sequence.wasm, the file behind
// `kvbm-sequence/wasm`), for tests that drive the raw exports or measure memory from a clean start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function shippedWasmBytes(): Uint8Array {
  return new Uint8Array(readFileSync(join(__dirname, '..', '..', 'dist', 'kvbm_sequence.wasm')));
}

export type RawExports = Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };

export function freshInstance(): RawExports {
  return new WebAssembly.Instance(new WebAssembly.Module(shippedWasmBytes()), {}).exports as unknown as RawExports;
}
