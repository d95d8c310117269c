// Every code block of the README and of the guides in docs/ runs, in the fixture where the packed package is installed, on
// the runtime it is written for: ```js (ES module) and ```js cjs on Node, ```ts type-checked
// against the published types and run on Node (esbuild strips the types and lowers `using`),
// ```js browser (with the ```js worker blocks just before it) bundled by esbuild into a page in
// Chromium, ```html as a page (the CDN address served from the fixture), ```js workerd in workerd
// (its fetch handler called), ```js deno in Deno, ```js bun in Bun. A page passes when it fills
// #out without an error. ```sh and ```text blocks are commands and output, not code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launch, serve } from '../support/browser';
import { bin, installedWasm, packedFixture, root, runInWorkerd, write } from '../support/fixture';

interface Block {
  /** Where it is: the file's stem and its number there (`readme-3`, `router-1`). */
  id: string;
  lang: string;
  tag: string;
  code: string;
}

const documents = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks: Block[] = documents.flatMap((file) => {
  const stem = file === 'README.md' ? 'readme' : file.slice('docs/'.length, -'.md'.length);
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/```(\w+)([^\n]*)\n([\s\S]*?)```/g)].map((m, i) => ({
    id: `${stem}-${i + 1}`,
    lang: m[1] as string,
    tag: (m[2] as string).trim(),
    code: m[3] as string,
  }));
});
const KINDS = ['js', 'js cjs', 'ts', 'js browser', 'js worker', 'html', 'js workerd', 'js deno', 'js bun', 'sh', 'text'];
const CDN = /https:\/\/cdn\.jsdelivr\.net\/npm\/kvbm-sequence@[\d.]+\//g;

let fixture = '';
let browser: Browser | undefined;

beforeAll(() => {
  fixture = packedFixture();
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

const title = (b: Block) =>
  `${b.id} (${[b.lang, b.tag].filter(Boolean).join(' ')}): ${(b.code.split('\n').find((l) => l.trim() && !l.startsWith('import') && !l.startsWith('<')) ?? '').trim().slice(0, 50)}`;

function node(file: string, code: string): string {
  write(fixture, { [file]: code });
  return execFileSync(process.execPath, [file], { cwd: fixture, encoding: 'utf8' });
}

/** Serves the fixture, opens `page`, waits for #out to be filled; fails on any page error. */
async function page(path: string): Promise<string> {
  browser ??= await launch();
  const server = await serve(fixture);
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  try {
    await tab.goto(`${server.url}/${path}`);
    await tab.waitForFunction(() => (document.querySelector('#out')?.textContent ?? '') !== '' || document.title === 'error', undefined, {
      timeout: 60_000,
    });
    expect(errors).toEqual([]);
    return (await tab.textContent('#out')) ?? '';
  } finally {
    await tab.close();
    await server.close();
  }
}

describe('README and guide code blocks', () => {
  it('are all of a kind this test runs', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.filter((b) => !KINDS.includes([b.lang, b.tag].filter(Boolean).join(' '))).map(title)).toEqual([]);
  });

  it('in TypeScript type-check against the published types (strict, no skipLibCheck)', () => {
    const ts = blocks.filter((b) => b.lang === 'ts');
    const dir = join(fixture, 'readme', 'ts');
    const files = Object.fromEntries(ts.map((b) => [`block-${b.id}.mts`, b.code]));
    write(dir, {
      ...files,
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'esnext.disposable'],
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: Object.keys(files),
      }),
    });
    let output = '';
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toBe('');
  });

  let workers: Block[] = [];
  for (const b of blocks) {
    const kind = [b.lang, b.tag].filter(Boolean).join(' ');
    if (kind === 'js worker') {
      workers.push(b);
      continue;
    }
    if (kind === 'sh' || kind === 'text') continue;
    const pendingWorkers = kind === 'js browser' ? workers : [];
    if (kind === 'js browser') workers = [];
    it(title(b), async () => {
      const dir = `readme/block-${b.id}`;
      switch (kind) {
        case 'js':
          node(`${dir}.mjs`, b.code);
          break;
        case 'js cjs':
          node(`${dir}.cjs`, b.code);
          break;
        case 'ts': {
          write(fixture, { [`${dir}.ts`]: b.code });
          execFileSync(bin('esbuild'), [`${dir}.ts`, '--format=esm', '--target=node20', '--log-level=error', `--outfile=${dir}.mjs`], {
            cwd: fixture,
          });
          execFileSync(process.execPath, [`${dir}.mjs`], { cwd: fixture, encoding: 'utf8' });
          break;
        }
        case 'js browser': {
          write(fixture, {
            [`${dir}/main.js`]: b.code,
            ...Object.fromEntries(pendingWorkers.map((w) => [`${dir}/worker.js`, w.code])),
            [`${dir}/out/index.html`]:
              '<!doctype html><link rel="icon" href="data:,"><pre id="out"></pre><script type="module" src="./main.js"></script>',
          });
          const entries = ['main.js', ...(pendingWorkers.length ? ['worker.js'] : [])];
          execFileSync(bin('esbuild'), [...entries, '--bundle', '--splitting', '--format=esm', '--outdir=out', '--log-level=error'], {
            cwd: join(fixture, dir),
          });
          // As the README says for esbuild: the .wasm beside the bundle (used by /slim).
          copyFileSync(installedWasm, join(fixture, dir, 'out', 'kvbm_sequence.wasm'));
          expect(await page(`${dir}/out/index.html`)).not.toBe('');
          break;
        }
        case 'html':
          write(fixture, {
            [`${dir}/index.html`]: `<!doctype html><link rel="icon" href="data:,">${b.code.replace(CDN, '/node_modules/kvbm-sequence/')}`,
          });
          expect(await page(`${dir}/index.html`)).not.toBe('');
          break;
        case 'js workerd': {
          write(fixture, {
            [`${dir}/snippet.mjs`]: b.code,
            [`${dir}/test.mjs`]:
              `import worker from './snippet.mjs';\nexport default { async test() {\n` +
              `  const r = await worker.fetch(new Request('http://localhost/?tokens=1,2,3,4,5,6,7,8'));\n` +
              `  if (!r.ok) throw new Error('status ' + r.status);\n  console.log('RESULT ' + (await r.text()));\n} };\n`,
          });
          const out = runInWorkerd(join(fixture, dir), 'test.mjs', '2025-01-01');
          expect(JSON.parse(/RESULT (.*)/.exec(out)?.[1] ?? 'null')).not.toBeNull();
          break;
        }
        case 'js deno':
          write(fixture, { [`${dir}.mjs`]: b.code });
          execFileSync(bin('deno'), ['run', '--quiet', '--allow-read', `${dir}.mjs`], {
            cwd: fixture,
            env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
          });
          break;
        case 'js bun':
          write(fixture, { [`${dir}.mjs`]: b.code });
          execFileSync(bin('bun'), [`${dir}.mjs`], { cwd: fixture });
          break;
        default:
          throw new Error(`no runner for ${kind}`);
      }
    });
  }
});
