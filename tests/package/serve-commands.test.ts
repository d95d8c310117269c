// The serving commands from the packed package, as the README runs them: `npx kvbm-sequence
// engine …` and `npx kvbm-sequence route …` in the fixture where the tarball is installed, on
// 127.0.0.1 at free ports; a request through the router comes back with its headers; the local
// tokenizer (@huggingface/tokenizers with a chat template) gives the tokens the engine sees.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packedFixture } from '../support/fixture';
import { freePort } from '../support/cluster';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** `npx kvbm-sequence <args>` in the fixture, until its "listening on" line (at most 15 s). */
function npx(args: string[]): Promise<string> {
  const child = spawn('npx', ['--no-install', 'kvbm-sequence', ...args], { cwd: packedFixture(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on":\n${out}`)), 15_000);
    const hear = (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout.on('data', hear);
    child.stderr.on('data', hear);
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
}

describe('the serving commands from the packed package', () => {
  it('route --help lists the flags; an unknown flag is an error', () => {
    const help = spawnSync('npx', ['--no-install', 'kvbm-sequence', 'route', '--help'], { cwd: packedFixture(), encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of [
      '--engine',
      '--engines',
      '--policy',
      '--nats',
      '--router-id',
      '--tokenizer',
      '--block-size',
      '--port',
      '--reserve-mib',
    ])
      expect(help.stdout).toContain(flag);
    const bad = spawnSync('npx', ['--no-install', 'kvbm-sequence', 'route', '--engnie', 'x'], { cwd: packedFixture(), encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown flag --engnie for route');
  });

  it('an engine and a router: a completion through the router names the worker and its overlap', async () => {
    const [events, replay] = [await freePort(), await freePort()];
    const engine = await npx([
      'engine',
      '--port',
      '0',
      '--worker-id',
      '3',
      '--decode-ms',
      '1',
      '--kv-events',
      `tcp://127.0.0.1:${events}`,
      '--kv-replay',
      `tcp://127.0.0.1:${replay}`,
    ]);
    const router = await npx([
      'route',
      '--port',
      '0',
      '--block-size',
      '16',
      '--engine',
      `${engine},events=tcp://127.0.0.1:${events},replay=tcp://127.0.0.1:${replay},id=3`,
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const prompt = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const ask = () =>
      fetch(`${router}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt, max_tokens: 2 }),
      });
    const first = await ask();
    expect([first.status, first.headers.get('x-kvbm-worker'), first.headers.get('x-kvbm-overlap-blocks')]).toEqual([200, '3', '0']);
    await first.json();
    await new Promise((r) => setTimeout(r, 200)); // the engine's events reach the router
    const second = await ask();
    // 40 words = 40 tokens (the toy tokenizer) = 2 complete blocks of 16, cached by the first.
    expect(second.headers.get('x-kvbm-overlap-blocks')).toBe('2');
    expect(
      ((await second.json()) as { usage: { prompt_tokens_details: { cached_tokens: number } } }).usage.prompt_tokens_details.cached_tokens,
    ).toBe(32);
  });

  it('--reserve-mib sizes WebAssembly memory at start, and /metrics shows it', async () => {
    const engine = await npx(['engine', '--port', '0']);
    const router = await npx(['route', '--port', '0', '--engine', engine, '--reserve-mib', '96']);
    const metrics = await (await fetch(`${router}/metrics`)).text();
    const memory = Number(/^kvbm_wasm_memory_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(memory).toBeGreaterThanOrEqual(96 * 2 ** 20);
    expect(Number(/^kvbm_wasm_heap_bytes (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  });

  it('--reserve-mib beyond what WebAssembly memory can hold is refused', () => {
    const bad = spawnSync('npx', ['--no-install', 'kvbm-sequence', 'route', '--engine', 'http://127.0.0.1:1', '--reserve-mib', '5000'], {
      cwd: packedFixture(),
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--reserve-mib 5000: WebAssembly memory cannot grow that far');
  });

  it('--tokenizer tokenizes locally, chats through the chat template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvbm-tok-'));
    const vocab = Object.fromEntries(['[UNK]', 'U', 'hello', 'world', 'again'].map((w, i) => [w, 100 + i]));
    writeFileSync(
      join(dir, 'tokenizer.json'),
      JSON.stringify({
        version: '1.0',
        added_tokens: [],
        normalizer: null,
        pre_tokenizer: { type: 'Whitespace' },
        post_processor: null,
        decoder: null,
        model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
      }),
    );
    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({ chat_template: '{% for m in messages %}U {{ m.content }} {% endfor %}' }),
    );
    const engine = await npx(['engine', '--port', '0']);
    const router = await npx(['route', '--port', '0', '--engine', engine, '--tokenizer', join(dir, 'tokenizer.json')]);
    const r = await fetch(`${router}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hello world again' }], max_tokens: 1 }),
    });
    // The router sends the request on unchanged; the engine counts its own (toy) tokens, so the
    // local tokenizer shows in the decision only: 4 tokens U hello world again, no full block.
    expect(r.status).toBe(200);
    expect(r.headers.get('x-kvbm-overlap-blocks')).toBe('0');
    const metrics = await (await fetch(`${router}/metrics`)).text();
    expect(metrics).toMatch(/kvbm_decisions_total\{worker="0"\} 1/);
    const unknown = await fetch(`${router}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ prompt: 'hello mars', max_tokens: 1 }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('gave no id for token 1');
  });
});

describe('npm run demo:router', () => {
  it('prints the table of KV-aware against round-robin routing, every request answered', () => {
    const run = spawnSync('npm', ['run', '--silent', 'demo:router'], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const rows = run.stdout.split('\n').filter((l) => /^\| (kv|round-robin) /.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const [, , requests, ok] = row.split('|').map((c) => c.trim());
      expect(Number(requests)).toBeGreaterThan(300);
      expect(ok).toBe(requests);
    }
  });
});
