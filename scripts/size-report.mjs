// The size report: raw, gzip and brotli bytes of the .wasm and of each entry together with the
// files it imports (shared chunks, the .wasm where the entry imports it), written to
// dist-size.json beside dist/ and printed; exits 1 where a figure exceeds scripts/size-budgets.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const budgets = JSON.parse(readFileSync('scripts/size-budgets.json', 'utf8'));
const entries = {
  'kvbm_sequence.wasm': 'dist/kvbm_sequence.wasm',
  'index.cjs (Node)': 'dist/index.cjs',
  'browser.js (default)': 'dist/browser.js',
  'slim.js': 'dist/slim.js',
  'workerd.js': 'dist/workerd.js',
  'vllm.js': 'dist/vllm.js',
};

/** The file and every relative file it imports or requires, each once. */
function closure(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  if (file.endsWith('.wasm')) return seen;
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from\s*|require\(|import\s*)['"](\.\.?\/[^'"?]+)/g)) closure(resolve(dirname(file), m[1]), seen);
  return seen;
}

const report = {};
let failed = false;
for (const [name, file] of Object.entries(entries)) {
  const bytes = Buffer.concat([...closure(resolve(file))].map((f) => readFileSync(f)));
  const sizes = {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
  report[name] = sizes;
  const budget = budgets[name] ?? {};
  const over = Object.keys(sizes).filter((k) => budget[k] !== undefined && sizes[k] > budget[k]);
  if (over.length) failed = true;
  const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
  console.log(
    `  ${name.padEnd(22)} ${kb(sizes.raw).padStart(9)} raw ${kb(sizes.gzip).padStart(9)} gzip ${kb(sizes.brotli).padStart(9)} brotli` +
      (over.length ? `   OVER BUDGET (${over.map((k) => `${k} > ${kb(budget[k])}`).join(', ')})` : ''),
  );
}
writeFileSync(join('.tmp', 'size-report.json'), JSON.stringify(report, null, 2) + '\n');
if (failed) {
  console.error('kvbm-sequence: the size budget (scripts/size-budgets.json) is exceeded');
  process.exit(1);
}
