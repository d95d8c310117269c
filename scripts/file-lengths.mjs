// A gate of `npm test`: no source file over 600 lines (tests live in their own files). Prints the
// largest files and exits 1 naming any file over the limit.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const LIMIT = 600;
const roots = ['crate', 'ts', 'scripts'];
const skip = new Set(['node_modules', 'target', 'generated', 'tests']);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!skip.has(name)) walk(path);
    } else if (/\.(rs|ts|mjs)$/.test(name) && !/(^|\/)tests?\.rs$/.test(path) && !name.endsWith('.generated.ts')) {
      files.push([path, readFileSync(path, 'utf8').split('\n').length - 1]);
    }
  }
}
for (const root of roots) walk(root);
files.sort((a, b) => b[1] - a[1]);
const over = files.filter(([, n]) => n > LIMIT);
if (process.argv.includes('--list')) for (const [path, n] of files.slice(0, 15)) console.log(`${n}\t${path}`);
if (over.length > 0) {
  for (const [path, n] of over) console.error(`${path}: ${n} lines (limit ${LIMIT}; move tests or a part into their own file)`);
  process.exit(1);
}
