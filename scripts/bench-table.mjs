// Writes the benchmark table of docs/performance.md from bench-results/results.json (the last `npm run bench`),
// between the markers <!-- bench-table --> and <!-- /bench-table -->.
import { readFileSync, writeFileSync } from 'node:fs';

const r = JSON.parse(readFileSync('bench-results/results.json', 'utf8'));
const UNITS = {
  w1: 'token',
  w2: 'token',
  w3: 'block',
  w4a: 'step',
  w4b: 'step',
  w5: 'entry',
  w6: 'call',
  w7: 'block',
  w8: 'block',
  w10: 'block',
  w11: 'decision',
};
const n = (x) => x.toLocaleString('en-US');

/** The row label of a workload key. */
function label(key) {
  const size = Number(key.split('-').pop());
  const rules = [
    [/^w1-compute-/, () => `W1 \`computeSequenceHashes\`, ${n(size)} tokens`],
    [/^w1-sequence-/, () => `W1 \`new BlockSequence\` + \`allSequenceHashes()\`, ${n(size)} tokens`],
    [/^w2-decode/, () => 'W2 decode, `appendToken` 4,096 → 69,632'],
    [/^w3-prefill-assign-/, () => `W3 prefill-assign, ${n(size)} blocks`],
    [/^w4a-/, () => `W4(a) decode-assign, full id list, ${n(size)} blocks`],
    [/^w4b-/, () => `W4(b) decode-assign, new id only, ${n(size)} blocks`],
    [/^w5-plan-pending/, () => 'W5 `zipAssignedPending(G2, G1)`, 4,096 entries'],
    [/^w5-plan-assigned/, () => 'W5 `zipAssigned(G2, G1)`, 4,096 entries'],
    [/^w6-get-assigned$/, () => 'W6 `getAssigned(i)` (a pair with a `SequenceHash`)'],
    [/^w6-get-assigned-id/, () => 'W6 `getAssignedId(i)`'],
    [/^w6-id-at-position/, () => 'W6 `getIdAtPosition(p)`'],
    [/^w6-pending-at-position/, () => 'W6 `getPendingAtPosition(p)`'],
    [/^w6-counts/, () => 'W6 record `assignedCount + nextPosition`'],
    [/^w6-contains/, () => 'W6 `contains(id)`'],
    [/^w6-pool-counts/, () => 'W6 pool `freeCount + inactiveCount`'],
    [/^w6-index-size/, () => 'W6 index `size`'],
    [/^w7-ingest/, () => 'W7 `applyEvents`: 1,000,064 entries, 64 workers, events of 512 blocks'],
    [/^w7-find-matches/, () => 'W7 `findMatches`, 8,192-block prompt on that index'],
    [/^w8-pool-cycle/, () => 'W8 `TierPool` cycle: allocate 8,192 (evicting), register, release, match, release'],
    [/^w11-route-book/, () => 'W11 `KvRouter.tryRoute` + `free`, 8,192-token prompt on the W7 index'],
    [
      /^w9-simulate-bs/,
      () =>
        `W9 \`replayTrace\`, the whole Mooncake trace through the simulator (defaults: 4 workers, KV-aware), block size ${key.replace(/^w9-simulate-bs/, '')}`,
    ],
  ];
  for (const [re, f] of rules) if (re.test(key)) return f();
  return key;
}

const num = (x) => (x >= 100 ? n(Math.round(x)) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const order = (k) => [k.split('-')[0], ...k.split('-').slice(1)].join('-');
const rows = ['| workload | library | native | pure TS | library/native | pure TS/library |', '|---|---|---|---|---|---|'];
for (const key of Object.keys(r.library).sort((a, b) => order(a).localeCompare(order(b), 'en', { numeric: true }))) {
  const lib = r.library[key];
  const nat = r.native[key];
  const pure = r.pureTs[key];
  const per = (s) => s.median / s.units;
  if (key.startsWith('w9')) {
    const rps = (s) => `${n(Math.round(s.units / (s.median / 1e9)))} requests/s`;
    const secs = (s) => `${(s.median / 1e9).toFixed(1)} s`;
    rows.push(
      `| ${label(key)} | ${rps(lib)} (${secs(lib)}) | ${nat ? `${rps(nat)} (${secs(nat)})` : '—'} | ${pure ? rps(pure) : '—'} | ${nat ? `${(lib.median / nat.median).toFixed(2)}×` : '—'} | ${pure ? `${(pure.median / lib.median).toFixed(1)}×` : '—'} |`,
    );
    continue;
  }
  const unit = UNITS[key.split('-')[0]] ?? 'unit';
  rows.push(
    `| ${label(key)} | ${num(per(lib))} ns/${unit} | ${nat ? num(per(nat)) : '—'} | ${pure ? num(per(pure)) : '—'} | ` +
      `${nat ? `${(lib.median / nat.median).toFixed(2)}×` : '—'} | ${pure ? `${(pure.median / lib.median).toFixed(2)}×` : '—'} |`,
  );
}
const table = rows.join('\n');
if (process.argv.includes('--write')) {
  const readme = readFileSync('docs/performance.md', 'utf8');
  const re = /<!-- bench-table -->[\s\S]*?<!-- \/bench-table -->/;
  if (!re.test(readme)) throw new Error('docs/performance.md has no bench-table markers');
  writeFileSync('docs/performance.md', readme.replace(re, `<!-- bench-table -->\n${table}\n<!-- /bench-table -->`));
} else {
  console.log(table);
}
