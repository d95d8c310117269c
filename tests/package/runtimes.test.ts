// The packed tarball in the other runtimes, each computing SPEC §1.2's known answers and the
// SPEC §4 plan through the default import: Bun and Deno (npm packages), Cloudflare's workerd
// (npm package) at the oldest compatibility date we support and its newest, and Jest 30 with
// the jsdom environment.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { bin, expectedResult, packedFixture, program, root, runInWorkerd, write } from '../support/fixture';

let fixture = '';

beforeAll(() => {
  fixture = packedFixture();
}, 300_000);

const esm = `import * as k from 'kvbm-sequence';\n${program}\nconsole.log(JSON.stringify(result));`;
const cjs = `const k = require('kvbm-sequence');\n${program}\nconsole.log(JSON.stringify(result));`;

function lastJson(out: string): unknown {
  const line = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  return JSON.parse(line ?? 'null');
}

describe('Bun', () => {
  it('imports the package (ESM)', () => {
    write(fixture, { 'bun/esm.mjs': esm });
    expect(lastJson(execFileSync(bin('bun'), ['bun/esm.mjs'], { cwd: fixture, encoding: 'utf8' }))).toEqual(expectedResult);
  });

  it('requires the package (CommonJS)', () => {
    write(fixture, { 'bun/cjs.cjs': cjs });
    expect(lastJson(execFileSync(bin('bun'), ['bun/cjs.cjs'], { cwd: fixture, encoding: 'utf8' }))).toEqual(expectedResult);
  });
});

describe('Deno', () => {
  it('imports the package from node_modules', () => {
    write(fixture, { 'deno/main.mjs': esm });
    const out = execFileSync(bin('deno'), ['run', '--quiet', '--allow-read', 'deno/main.mjs'], {
      cwd: fixture,
      encoding: 'utf8',
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    expect(lastJson(out)).toEqual(expectedResult);
  });
});

describe('Cloudflare workerd', () => {
  // The newest date this workerd accepts is its own release date.
  const newest = /\d{4}-\d{2}-\d{2}/.exec(execFileSync(bin('workerd'), ['--version'], { encoding: 'utf8' }))?.[0] as string;

  for (const date of ['2025-01-01', newest]) {
    it(`runs a Worker bundled as wrangler does, at compatibility date ${date}`, () => {
      const dir = join(fixture, 'workerd', date);
      write(dir, {
        'src.mjs':
          `import * as k from 'kvbm-sequence';\n` +
          `export default { async test() { ${program}\n console.log('RESULT ' + JSON.stringify(result)); } };\n`,
      });
      const out = runInWorkerd(dir, 'src.mjs', date);
      const result = /RESULT (.*)/.exec(out)?.[1];
      expect(JSON.parse(result ?? 'null')).toEqual(expectedResult);
    });
  }
});

describe("Vercel's Edge Runtime (edge-light condition)", () => {
  it('imports the .wasm with ?module and needs no init() (bundled, the import resolved to a compiled module)', () => {
    // No Edge Runtime here: esbuild takes the edge-light condition, and a plugin resolves
    // `kvbm_sequence.wasm?module` to a compiled WebAssembly.Module, as Vercel's bundler does.
    const dir = join(fixture, 'edge-light');
    write(dir, {
      'src.mjs': `import * as k from 'kvbm-sequence';\n${program}\nconsole.log(JSON.stringify(result));\n`,
      'build.mjs': `import { build } from ${JSON.stringify(join(root, 'node_modules', 'esbuild', 'lib', 'main.js'))};
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
await build({
  entryPoints: ['src.mjs'], bundle: true, format: 'esm', platform: 'neutral', conditions: ['edge-light'],
  outfile: 'out.mjs', logLevel: 'error',
  plugins: [{ name: 'wasm-module', setup(b) {
    b.onResolve({ filter: /\\.wasm\\?module$/ }, (a) => ({ path: resolve(dirname(a.importer), a.path.replace('?module', '')), namespace: 'wasm-module' }));
    b.onLoad({ filter: /.*/, namespace: 'wasm-module' }, (a) => ({
      contents: 'export default new WebAssembly.Module(new Uint8Array([' + [...readFileSync(a.path)].join(',') + ']));',
      loader: 'js',
    }));
  } }],
});
`,
    });
    execFileSync(process.execPath, ['build.mjs'], { cwd: dir, stdio: 'pipe' });
    expect(lastJson(execFileSync(process.execPath, ['out.mjs'], { cwd: dir, encoding: 'utf8' }))).toEqual(expectedResult);
  });
});

describe('Jest 30', () => {
  it('requires the package in the jsdom environment (the browser condition, CommonJS)', () => {
    write(fixture, {
      'jest/jest.config.json': JSON.stringify({ testMatch: ['**/*.test.cjs'] }),
      'jest/kvbm.test.cjs': `/** @jest-environment jsdom */
const k = require('kvbm-sequence');
test('SPEC known answers and plan in jsdom', () => {
  expect(typeof window.document).toBe('object');
  ${program}
  expect(result).toEqual(${JSON.stringify(expectedResult)});
});
`,
    });
    const out = execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', 'jest/jest.config.json', '--rootDir', 'jest', '--json'],
      {
        cwd: fixture,
        encoding: 'utf8',
        stdio: 'pipe',
        env: { ...process.env, CI: 'true' },
      },
    );
    const report = JSON.parse(out);
    expect([report.numPassedTests, report.numFailedTests]).toEqual([1, 0]);
  });
});
