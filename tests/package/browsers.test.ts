// The packed tarball in Debian's Chromium: a plain page (`<script type="module">`, an import
// map) and a module Web Worker, with the default entry and with `/slim` sharing one `.wasm`;
// then the same page + worker pair built by Vite, esbuild, webpack and rollup, where a worker
// built against `/slim` carries no second copy of the module.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Browser } from 'playwright-core';
import { launch, resultOf, serve } from '../support/browser';
import { bin, expectedResult, installedWasm, packedFixture, program, root, write } from '../support/fixture';

let fixture = '';
let browser: Browser;
let wasmPrefix = '';

beforeAll(async () => {
  fixture = packedFixture();
  browser = await launch();
  // The start of the module's base64, as an inlined copy would carry it.
  wasmPrefix = readFileSync(installedWasm).subarray(0, 300).toString('base64').slice(0, 200);
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

/** The page: runs the program, then starts the worker and waits for its result. */
const mainSource = (specifier: string, workerUrl: string) => `
import * as k from '${specifier}';
(async () => {
  try {
    await k.init();
    ${program}
    const worker = new Worker(${workerUrl}, { type: 'module' });
    const fromWorker = await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error('worker: ' + (e.message || 'failed to load')));
    });
    window.__result = { page: result, worker: fromWorker };
  } catch (e) {
    window.__error = String((e && e.stack) || e);
  }
})();
`;

/** The worker: the default entry needs no init() there (workers compile synchronously). */
const workerSource = (specifier: string, needsInit: boolean) => `
import * as k from '${specifier}';
(async () => {
  try {
    ${needsInit ? 'await k.init();' : ''}
    ${program}
    postMessage(result);
  } catch (e) {
    postMessage({ error: String((e && e.stack) || e) });
  }
})();
`;

/** Every file under `dir` (paths relative to it). */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());
}

async function runPage(dir: string, page = 'index.html'): Promise<{ wasmRequests: string[] }> {
  const server = await serve(dir);
  try {
    const out = await resultOf(browser, `${server.url}/${page}`);
    expect(out).toEqual({ page: expectedResult, worker: expectedResult });
    return { wasmRequests: [...new Set(server.requests.filter((p) => p.endsWith('.wasm')))] };
  } finally {
    await server.close();
  }
}

describe('Chromium, no bundler', () => {
  const entries = { default: 'dist/browser.js', slim: 'dist/slim.js' };
  for (const [entry, file] of Object.entries(entries)) {
    it(`a page and a module worker with the ${entry} entry`, async () => {
      const url = `/node_modules/kvbm-sequence/${file}`;
      write(fixture, {
        [`plain-${entry}/main.js`]: mainSource(url, `new URL('./worker.js', import.meta.url)`),
        [`plain-${entry}/worker.js`]: workerSource(url, entry === 'slim'),
        [`plain-${entry}/index.html`]: `<!doctype html><script type="module" src="./main.js"></script>`,
      });
      const { wasmRequests } = await runPage(fixture, `plain-${entry}/index.html`);
      // The slim page and worker load the one .wasm beside the entry; the default one loads none.
      expect(wasmRequests).toEqual(entry === 'slim' ? ['/node_modules/kvbm-sequence/dist/kvbm_sequence.wasm'] : []);
    });
  }
});

type Bundler = (dir: string) => void;

const bundlers: Record<string, Bundler> = {
  Vite: (dir) => {
    write(dir, {
      'vite.config.mjs': `export default { root: ${JSON.stringify(dir)}, logLevel: 'error', worker: { format: 'es' }, build: { outDir: 'out', target: 'es2022' } };`,
      'index.html': `<!doctype html><script type="module" src="./main.js"></script>`,
    });
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(dir, 'vite.config.mjs')],
      {
        cwd: dir,
        stdio: 'pipe',
      },
    );
  },
  esbuild: (dir) => {
    execFileSync(bin('esbuild'), ['main.js', 'worker.js', '--bundle', '--splitting', '--format=esm', '--outdir=out', '--log-level=error'], {
      cwd: dir,
      stdio: 'pipe',
    });
    // esbuild leaves `new URL('./kvbm_sequence.wasm', import.meta.url)` as it is: the file goes beside the bundle.
    copyFileSync(require.resolve('kvbm-sequence/wasm', { paths: [dir] }), join(dir, 'out', 'kvbm_sequence.wasm'));
    write(dir, { 'out/index.html': `<!doctype html><script type="module" src="./main.js"></script>` });
  },
  webpack: (dir) => {
    write(dir, {
      'webpack.config.cjs': `module.exports = { mode: 'production', context: ${JSON.stringify(dir)}, entry: './main.js',
        output: { path: ${JSON.stringify(join(dir, 'out'))}, filename: 'main.js', publicPath: 'auto' },
        resolve: { modules: [${JSON.stringify(join(fixture, 'node_modules'))}, 'node_modules'] },
        experiments: { topLevelAwait: true }, performance: { hints: false } };`,
    });
    execFileSync(process.execPath, [join(root, 'node_modules', 'webpack-cli', 'bin', 'cli.js'), '--config', 'webpack.config.cjs'], {
      cwd: dir,
      stdio: 'pipe',
    });
    write(dir, { 'out/index.html': `<!doctype html><script src="./main.js"></script>` });
  },
  rollup: (dir) => {
    write(dir, {
      'rollup.config.mjs': `import { nodeResolve } from ${JSON.stringify(join(root, 'node_modules', '@rollup', 'plugin-node-resolve', 'dist', 'es', 'index.js'))};
        export default { input: ['main.js', 'worker.js'], output: { dir: 'out', format: 'es' }, plugins: [nodeResolve({ browser: true })] };`,
    });
    execFileSync(process.execPath, [join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', 'rollup.config.mjs', '--silent'], {
      cwd: dir,
      stdio: 'pipe',
    });
    copyFileSync(require.resolve('kvbm-sequence/wasm', { paths: [dir] }), join(dir, 'out', 'kvbm_sequence.wasm'));
    write(dir, { 'out/index.html': `<!doctype html><script type="module" src="./main.js"></script>` });
  },
};

describe('bundlers: a page and a module worker', () => {
  for (const [name, build] of Object.entries(bundlers)) {
    for (const entry of ['default', 'slim'] as const) {
      it(`${name}, ${entry === 'slim' ? "'kvbm-sequence/slim': one .wasm, no inlined copy" : "'kvbm-sequence'"}`, async () => {
        const dir = join(fixture, 'bundlers', `${name}-${entry}`);
        const specifier = entry === 'slim' ? 'kvbm-sequence/slim' : 'kvbm-sequence';
        write(dir, {
          'main.js': mainSource(specifier, `new URL('./worker.js', import.meta.url)`),
          'worker.js': workerSource(specifier, entry === 'slim'),
        });
        build(dir);
        const out = join(dir, 'out');
        const emitted = files(out);
        const inlined = emitted.filter((f) => f.endsWith('.js') && readFileSync(join(out, f), 'utf8').includes(wasmPrefix));
        const wasm = emitted.filter((f) => f.endsWith('.wasm'));
        if (entry === 'slim') {
          expect(inlined).toEqual([]);
          expect(wasm).toHaveLength(1);
        }
        const { wasmRequests } = await runPage(out);
        if (entry === 'slim') expect(wasmRequests).toEqual([`/${relative(out, join(out, wasm[0] as string))}`]);
      });
    }
  }
});
