// Builds the replay page (scripts/page) with esbuild into .tmp/page: the page script and the
// module Web Worker, each bundling the library's browser build. `--serve` then serves it on
// 127.0.0.1 until interrupted.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const out = join(root, '.tmp', 'page');

export async function buildPage() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'scripts/page/page.ts'), join(root, 'scripts/page/replay-worker.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    outdir: out,
    alias: { 'kvbm-sequence': join(root, 'dist', 'browser.js') },
    logLevel: 'error',
  });
  copyFileSync(join(root, 'scripts/page/index.html'), join(out, 'index.html'));
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildPage();
  if (process.argv.includes('--serve')) {
    const types = { '.html': 'text/html', '.js': 'text/javascript' };
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\.\./g, '');
      try {
        const body = readFileSync(join(out, path === '/' ? 'index.html' : path));
        res.writeHead(200, { 'content-type': types[extname(path) || '.html'] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    const at = process.argv.indexOf('--port');
    const port = Number(at > 0 ? process.argv[at + 1] : (process.env.PORT ?? 8080));
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`replay page: --port must be a port number (0 picks a free one), got ${process.argv[at + 1]}`);
      process.exit(2);
    }
    server.on('error', (e) => {
      const busy = e.code === 'EADDRINUSE';
      console.error(
        busy
          ? `replay page: port ${port} is in use; pick another: npm run page -- --port 8081 (0 picks a free one)`
          : `replay page: ${e.message}`,
      );
      process.exit(1);
    });
    server.listen(port, '127.0.0.1', () => console.log(`replay page: http://127.0.0.1:${server.address().port}/ (Ctrl-C stops it)`));
  } else {
    console.log(`built ${out}`);
  }
}
