// `npm run page` on a busy port says so (and how to pick another) instead of a stack trace, and
// takes --port.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';

describe('the replay page server', () => {
  it('says the port is busy and how to pick another, exit 1', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const r = spawnSync(process.execPath, ['scripts/build-page.mjs', '--serve', '--port', String(port)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    taken.close();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`port ${port} is in use.*--port`));
    expect(r.stderr).not.toMatch(/at .*\.mjs:\d+/);
  }, 90_000);

  it('serves on the port --port names (0: a free one)', async () => {
    const child = spawn(process.execPath, ['scripts/build-page.mjs', '--serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no address printed')), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          clearTimeout(timer);
          resolve(String(d));
        });
      });
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)?.[0] as string;
      const res = await fetch(url);
      expect(res.status).toBe(200);
    } finally {
      child.kill();
    }
  }, 90_000);
});
