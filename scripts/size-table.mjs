// `npm run size:table`: where the WebAssembly module's bytes go. Builds the binding once more
// with its symbol names kept (target/names; the shipped build strips them), runs the same
// wasm-opt passes as scripts/build.sh, then reads the code section and the name section and
// prints, as Markdown, each domain's share of the code and the largest functions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TextDecoder } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });

run(
  'scripts/cargo.sh',
  [
    'build',
    '--quiet',
    '--release',
    '--target',
    'wasm32-unknown-unknown',
    '-p',
    'kvbm-sequence-wasm',
    '--lib',
    '--target-dir',
    'target/names',
  ],
  {
    CARGO_PROFILE_RELEASE_STRIP: 'none',
  },
);
const out = '.tmp/kvbm_sequence.names.wasm';
run('node_modules/.bin/wasm-opt', [
  'target/names/wasm32-unknown-unknown/release/kvbm_sequence_wasm.wasm',
  '-g',
  '--strip-dwarf',
  '--remove-exports',
  '--pass-arg=remove-exports@__multi3',
  '-O3',
  '--flexible-inline-max-function-size=100',
  '-o',
  out,
]);

/** Function bodies' sizes and names from a module's code and name sections. */
function functions(bytes) {
  let p = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    let x;
    do {
      x = bytes[p++];
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    return r;
  };
  const skipName = () => {
    const n = leb();
    p += n;
  };
  let imported = 0;
  const sizes = [];
  const names = new Map();
  while (p < bytes.length) {
    const id = bytes[p++];
    const len = leb();
    const end = p + len;
    if (id === 2) {
      for (let i = leb(); i > 0; i--) {
        skipName();
        skipName();
        const kind = bytes[p++];
        if (kind === 0) {
          leb();
          imported++;
        } else if (kind === 1) {
          p++;
          const flags = leb();
          leb();
          if (flags & 1) leb();
        } else if (kind === 2) {
          const flags = leb();
          leb();
          if (flags & 1) leb();
        } else p += 2;
      }
    } else if (id === 10) {
      for (let i = leb(); i > 0; i--) {
        const n = leb();
        sizes.push(n);
        p += n;
      }
    } else if (id === 0) {
      const n = leb();
      const section = new TextDecoder().decode(bytes.subarray(p, p + n));
      p += n;
      while (section === 'name' && p < end) {
        const sub = bytes[p++];
        const subEnd = leb() + p;
        if (sub === 1) {
          for (let i = leb(); i > 0; i--) {
            const index = leb();
            const l = leb();
            names.set(index, new TextDecoder().decode(bytes.subarray(p, p + l)));
            p += l;
          }
        }
        p = subEnd;
      }
    }
    p = end;
  }
  return sizes.map((size, i) => ({ size, name: demangle(names.get(i + imported) ?? `function ${i + imported}`) }));
}

/** Rust's legacy mangling (`_ZN…E`) to a path without its hash. */
function demangle(name) {
  if (!name.startsWith('_ZN')) return name;
  const parts = [];
  let p = 3;
  while (p < name.length && name[p] !== 'E') {
    const m = /^\d+/.exec(name.slice(p));
    if (!m) break;
    p += m[0].length;
    parts.push(name.slice(p, p + Number(m[0])));
    p += Number(m[0]);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  const unescape = {
    $LT$: '<',
    $GT$: '>',
    $RF$: '&',
    $BP$: '*',
    $C$: ',',
    $u20$: ' ',
    $u27$: "'",
    $u5b$: '[',
    $u5d$: ']',
    $u7b$: '{',
    $u7d$: '}',
    $LP$: '(',
    $RP$: ')',
  };
  return parts
    .join('::')
    .replace(/\$[A-Za-z0-9]+\$/g, (e) => unescape[e] ?? e)
    .replace(/\.\./g, '::');
}

/** The domain a function belongs to, by its path (first match wins). */
const DOMAINS = [
  ['simulator (SPEC §9)', /kvbm_sequence::sim::|kv_sim_/],
  ['router index (§6.3)', /router::index|kv_index_/],
  ['routing decision, cost, load (§6.4, §6.6)', /router::(decide|cost|load)|kv_router_decide|kv_load_/],
  ['engine hash profiles (§6.1)', /router::profiles|kv_engine_hashes/],
  ['router hashes (§6.1)', /router::hashes|router_hash|kv_chain_/],
  ['tier pools (§7)', /tiers::|kv_pool_/],
  ['snapshots', /snapshot|kv_restore|kv_snapshot/],
  ['sequences, records, plans (§1–§5)', /kvbm_sequence::(sequence|collections::id_set)|kv_seq_|kv_asg_|kv_zip_|kv_plan/],
  [
    'hashing: XXH3 and lineage (§1)',
    /xxhash_rust|kvbm_sequence::hashing|kv_block_hashes|kv_sequence_hashes|kv_salt_hash|kv_lineage_|__multi3/,
  ],
  ['hash maps (hashbrown)', /hashbrown|std::collections::hash/],
  ['allocator', /dlmalloc|alloc::|kvbm_sequence_wasm::alloc|__rust_(alloc|dealloc|realloc)/],
  ['formatting and panics (core::fmt)', /core::fmt|panicking|core::panic|alloc::fmt|core::str/],
  ['binding (handles, replies, buffers)', /kvbm_sequence_wasm::|kv_/],
  ['other core and std', /./],
];

const fns = functions(readFileSync(`${root}/${out}`));
const total = fns.reduce((n, f) => n + f.size, 0);
const byDomain = new Map(DOMAINS.map(([d]) => [d, 0]));
for (const f of fns) {
  const [domain] = DOMAINS.find(([, re]) => re.test(f.name));
  byDomain.set(domain, byDomain.get(domain) + f.size);
}
const kb = (n) => (n / 1000).toFixed(1);
console.log(`Code: ${kb(total)} KB in ${fns.length} functions (module ${kb(readFileSync(`${root}/${out}`).length)} KB with names).\n`);
console.log('| domain | code KB | share |');
console.log('| --- | --: | --: |');
for (const [d, n] of [...byDomain].sort((a, b) => b[1] - a[1]))
  if (n > 0) console.log(`| ${d} | ${kb(n)} | ${((100 * n) / total).toFixed(0)} % |`);
console.log('\n| largest functions | KB |');
console.log('| --- | --: |');
for (const f of [...fns].sort((a, b) => b.size - a.size).slice(0, Number(process.argv[2] ?? 15))) {
  console.log(`| \`${f.name.length > 90 ? `${f.name.slice(0, 87)}…` : f.name}\` | ${kb(f.size)} |`);
}
