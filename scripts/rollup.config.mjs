// Bundles the facade. ES modules (one shared chunk): `browser` (inlined module, loads on first
// use), `slim` (no module; `init()` fetches the .wasm beside it), `workerd` and `edge-light`
// (import the .wasm file as a module). CommonJS (one shared chunk, the inlined bytes in a chunk
// of their own): `index` (Node: loaded at require), `browser`, `slim`. Node's ESM entries are
// generated wrappers over the CommonJS ones (scripts/node-wrappers.mjs), so that ESM and CJS
// share one instance. Plus `kvbm-sequence/vllm`, which imports the main entry by name, the
// CLI, and the bundled declarations.
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const ts = () => typescript({ tsconfig: 'tsconfig.json', declaration: false, outDir: undefined });
const external = [
  'kvbm-sequence',
  'kvbm-sequence/vllm',
  '@msgpack/msgpack',
  'zeromq',
  '@nats-io/transport-node',
  'prom-client',
  '@huggingface/tokenizers',
  '@huggingface/jinja',
];

/** Keeps `import … from './kvbm_sequence.wasm'` as it is: the file sits beside the bundles. */
const wasmFile = {
  name: 'wasm-file',
  resolveId(source) {
    return /\.wasm(\?module)?$/.test(source) ? { id: source, external: true } : null;
  },
};

export default [
  {
    input: {
      browser: 'ts/entries/browser.ts',
      slim: 'ts/entries/slim-url.ts',
      workerd: 'ts/entries/workerd.ts',
      'edge-light': 'ts/entries/edge-light.ts',
    },
    output: { dir: 'dist', format: 'es', chunkFileNames: 'shared-[hash].js' },
    plugins: [wasmFile, ts()],
  },
  {
    input: { index: 'ts/entries/node.ts', browser: 'ts/entries/browser.ts', slim: 'ts/entries/slim.ts' },
    output: { dir: 'dist', format: 'cjs', exports: 'named', entryFileNames: '[name].cjs', chunkFileNames: 'shared-[hash].cjs' },
    plugins: [ts()],
  },
  {
    input: 'ts/entries/vllm.ts',
    external,
    output: [
      { file: 'dist/vllm.js', format: 'es' },
      { file: 'dist/vllm.cjs', format: 'cjs', exports: 'named' },
    ],
    plugins: [ts()],
  },
  {
    input: 'ts/entries/cli.ts',
    external: [...external, /^node:/],
    output: { file: 'dist/cli.js', format: 'es', banner: '#!/usr/bin/env node' },
    plugins: [typescript({ tsconfig: 'tsconfig.cli.json', declaration: false, outDir: undefined })],
  },
  {
    input: 'ts/entries/slim.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    // Members marked @internal stay out of the published types.
    plugins: [dts({ tsconfig: 'tsconfig.json', compilerOptions: { stripInternal: true } })],
  },
  {
    input: 'ts/entries/vllm.ts',
    external,
    output: { file: 'dist/vllm.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: 'tsconfig.json', compilerOptions: { stripInternal: true, paths: {} } })],
  },
];
