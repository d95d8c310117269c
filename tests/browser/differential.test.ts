// The differential suite (tests/differential) in Debian's Chromium, against the browser bundle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launch, resultOf, serve } from '../support/browser';

const root = join(__dirname, '..', '..');
const RUNS = Number(process.env.FC_BROWSER_RUNS ?? 300);

let dir = '';
let server: { url: string; close: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kvbm-browser-'));
  await build({
    entryPoints: [join(__dirname, 'differential.entry.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    outfile: join(dir, 'differential.js'),
    alias: { 'kvbm-sequence': join(root, 'dist', 'browser.js') },
    logLevel: 'error',
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/differential.js"></script>');
  server = await serve(dir);
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('differential suite in Chromium', () => {
  it(`every property holds for ${RUNS} cases in the browser bundle`, async () => {
    const results = await resultOf<{ name: string; ok: boolean; error?: string; ms: number }[]>(
      browser,
      `${server.url}/index.html?runs=${RUNS}`,
      300_000,
    );
    expect(results.length).toBeGreaterThanOrEqual(4);
    for (const r of results) if (r.error) console.log(r.error.slice(0, 3000));
    for (const r of results) expect(r.error ?? '', r.name).toBe('');
  }, 320_000);
});
