// The replay page (scripts/page) in Debian's Chromium: choose the trace, run a slice in the Web
// Worker, check the figures equal the Node replay's for the same slice, save a screenshot.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { parseTrace, replayTrace, type ReplayResult } from 'kvbm-sequence';
import { launch, serve } from '../support/browser';
import { REPLAY_FIGURES } from '../support/replay';
// @ts-expect-error: a plain ESM build script
import { buildPage } from '../../scripts/build-page.mjs';

const TRACE = join(__dirname, '..', '..', '..', 'shared', 'data', 'mooncake-conversation.jsonl');
const root = join(__dirname, '..', '..');
let server: { url: string; close: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
  server = await serve(await buildPage());
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the replay page', () => {
  it('replays a slice of the trace in a Web Worker, equal to the Node replay, and draws it', async () => {
    const page = await browser.newPage({ viewport: { width: 1150, height: 760 } });
    const logs: string[] = [];
    page.on('pageerror', (e) => logs.push(String(e)));
    let workers = 0;
    let closed = 0;
    page.on('worker', (w) => {
      workers += 1;
      w.on('close', () => (closed += 1));
    });
    await page.goto(`${server.url}/index.html`);
    await page.setInputFiles('#trace', TRACE);
    await page.fill('#limit', '300');
    await page.fill('#workers', '4');
    await page.selectOption('#router', 'kv');
    // A second click while the first replay runs cancels it: one replay draws, at full speed.
    await page.click('#run');
    await page.click('#run');
    await page.waitForFunction(() => '__replayResult' in window || '__replayError' in window, undefined, { timeout: 120_000 });
    const error = await page.evaluate(() => (window as unknown as { __replayError?: string }).__replayError);
    expect(error, logs.join('\n')).toBeUndefined();
    const inBrowser = await page.evaluate(() => (window as unknown as { __replayResult: ReplayResult }).__replayResult);
    await page.waitForTimeout(300); // the finished worker's close event, and any late replay
    const replaysDone = await page.evaluate(() => (window as unknown as { __replaysDone: number }).__replaysDone);
    await page.screenshot({ path: join(root, '.tmp', 'replay-page.png') });
    await page.close();

    const trace = parseTrace(readFileSync(TRACE, 'utf8'));
    const inNode = replayTrace(trace, { limit: 300, workers: 4, blockSize: 16, g1Tokens: 1_000_000, g2Tokens: 4_000_000, router: 'kv' });
    for (const k of REPLAY_FIGURES) {
      expect(inBrowser[k], k).toBe(inNode[k]);
    }
    expect(inBrowser.perWorker.map((w) => w.requests)).toEqual(inNode.perWorker.map((w) => w.requests));
    // Bit for bit the same latencies in Chromium as in Node.
    for (const k of ['ttftMs', 'itlMs', 'e2eMs'] as const) expect(inBrowser[k], k).toEqual(inNode[k]);
    // Only one replay ran to the end (its requests add up to the slice, once); a replay the second
    // click found running was terminated, so none is left running.
    expect(inBrowser.perWorker.reduce((n, w) => n + w.requests, 0)).toBe(300);
    expect(workers).toBeLessThanOrEqual(2);
    expect(closed).toBe(workers);
    expect(replaysDone).toBe(1);
  }, 180_000);

  it('compares every policy on the same slice in one table', async () => {
    const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
    await page.goto(`${server.url}/index.html`);
    await page.setInputFiles('#trace', TRACE);
    await page.fill('#limit', '100');
    await page.click('#compare');
    await page.waitForFunction(() => '__comparison' in window || '__replayError' in window, undefined, { timeout: 120_000 });
    const rows = await page.$$eval('#comparison tr', (trs) => trs.map((tr) => tr.firstElementChild?.textContent ?? ''));
    await page.screenshot({ path: join(root, '.tmp', 'replay-page-compare.png') });
    await page.close();
    expect(rows.length).toBe(1 + 8);
    expect(rows.slice(1)).toEqual(['kv', 'round-robin', 'random', 'kv-newest', 'kv-approx', 'sglang-cache-aware', 'llmd', 'session']);
  }, 180_000);

  it('shows a bad trace as a message naming the line, not a stack trace', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/index.html`);
    await page.setInputFiles('#trace', { name: 'bad.jsonl', mimeType: 'text/plain', buffer: Buffer.from('{"timestamp": 0,\n') });
    await page.click('#run');
    await page.waitForFunction(() => '__replayError' in window, undefined, { timeout: 60_000 });
    const text = await page.textContent('#status');
    await page.close();
    expect(text).toMatch(/^Failed: trace line 1 is not JSON/);
    expect(text).not.toMatch(/\n\s+at /);
  }, 60_000);
});
