// Browser tests: a static server on loopback and Debian's Chromium driven by playwright-core
// (never a tool's own browser download).
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Debian's Chromium, where installed. */
export const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Serves `root` on 127.0.0.1; resolves to the base URL, the paths requested so far, and a closer. */
export async function serve(root: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    requests.push(path);
    if (path.includes('..')) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(join(root, path === '/' ? 'index.html' : path));
      // Cacheable, as a CDN serves them: a page and its worker can share one download.
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'max-age=600' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Launches headless Chromium. */
export async function launch(): Promise<Browser> {
  if (!chromiumPath) throw new Error('Debian chromium is not installed: run `npm run setup`');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** Opens `url` and waits for the page to set `window.__result` (or `window.__error`). */
export async function resultOf<T>(browser: Browser, url: string, timeout = 120_000): Promise<T> {
  const page: Page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));
  try {
    await page.goto(url);
    await page.waitForFunction(() => '__result' in window || '__error' in window, undefined, { timeout });
    const error = await page.evaluate(() => (window as unknown as { __error?: string }).__error);
    if (error) throw new Error(`page failed: ${error}\n${logs.join('\n')}`);
    return (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as T;
  } finally {
    await page.close();
  }
}
