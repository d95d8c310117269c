// Bundles the facade: ESM and CJS for Node (module loaded at import), ESM for browsers
// (`await init()`), and one bundled .d.ts for both; plus the `kvbm-sequence/vllm` entry, which
// imports the main entry by name (one wasm instance) and `@msgpack/msgpack`.
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const ts = () => typescript({ tsconfig: 'tsconfig.json', declaration: false, outDir: undefined });
const external = ['kvbm-sequence', '@msgpack/msgpack'];

export default [
  {
    input: 'ts/index.ts',
    output: [
      { file: 'dist/index.js', format: 'es' },
      { file: 'dist/index.cjs', format: 'cjs', exports: 'named' },
    ],
    plugins: [ts()],
  },
  {
    input: 'ts/browser.ts',
    output: { file: 'dist/browser.js', format: 'es' },
    plugins: [ts()],
  },
  {
    input: 'ts/vllm.ts',
    external,
    output: [
      { file: 'dist/vllm.js', format: 'es' },
      { file: 'dist/vllm.cjs', format: 'cjs', exports: 'named' },
    ],
    plugins: [ts()],
  },
  {
    input: 'ts/cli.ts',
    external: [...external, /^node:/],
    output: { file: 'dist/cli.js', format: 'es', banner: '#!/usr/bin/env node' },
    plugins: [typescript({ tsconfig: 'tsconfig.cli.json', declaration: false, outDir: undefined })],
  },
  {
    input: 'ts/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    // Members marked @internal stay out of the published types.
    plugins: [dts({ tsconfig: 'tsconfig.json', compilerOptions: { stripInternal: true } })],
  },
  {
    input: 'ts/vllm.ts',
    external,
    output: { file: 'dist/vllm.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: 'tsconfig.json', compilerOptions: { stripInternal: true, paths: {} } })],
  },
];
