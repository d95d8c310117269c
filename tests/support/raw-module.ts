// A fresh instance of the module the package ships (dist/kvbm_sequence.wasm, the file behind
// `kvbm-sequence/wasm`), for tests that drive the raw exports or measure memory from a clean start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawExports as ContractExports } from '../../ts/runtime/protocol.generated';

export function shippedWasmBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(join(__dirname, '..', '..', 'dist', 'kvbm_sequence.wasm')));
}

/** The contract's exports, each also reachable by a computed name (the fuzz test picks them at random). */
export type RawExports = Omit<ContractExports, 'memory'> & { memory: WebAssembly.Memory } & Record<string, unknown>;

export function freshInstance(): RawExports {
  return new WebAssembly.Instance(new WebAssembly.Module(shippedWasmBytes()), {}).exports as unknown as RawExports;
}
