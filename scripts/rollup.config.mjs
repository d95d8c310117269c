// Bundles the facade: ESM and CJS for Node (module loaded at import), ESM for browsers
// (`await init()`), and one bundled .d.ts for both.
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const ts = () => typescript({ tsconfig: 'tsconfig.json', declaration: false, outDir: undefined });

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
    input: 'ts/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    // Members marked @internal stay out of the published types.
    plugins: [dts({ tsconfig: 'tsconfig.json', compilerOptions: { stripInternal: true } })],
  },
];
