// A fresh instance of the module the package ships (decoded from the built bundle), for tests
// that drive the raw exports or measure memory from a clean start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function shippedWasmBytes(): Uint8Array {
  const bundle = readFileSync(join(__dirname, '..', '..', 'dist', 'index.js'), 'utf8');
  const match = /WASM_BASE64 = '([A-Za-z0-9+/=]+)'/.exec(bundle);
  if (!match) throw new Error('no inlined module in dist/index.js');
  return new Uint8Array(Buffer.from(match[1] as string, 'base64'));
}

export type RawExports = Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };

export function freshInstance(): RawExports {
  return new WebAssembly.Instance(new WebAssembly.Module(shippedWasmBytes()), {}).exports as unknown as RawExports;
}
