// `npm run bench`: the library (WebAssembly through the TypeScript API) against an idiomatic
// pure-TypeScript implementation and against the same crate compiled natively (whose results
// scripts/bench.sh passes in). Prints a table, writes results.json and ratios.svg.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createXXHash3, type IHasher } from 'hash-wasm';
import {
  BlockSequence,
  ExternalBlockAssignments,
  KvIndex,
  TierPool,
  parseTrace,
  replayTrace,
  computeSequenceHashes,
  zipAssigned,
  zipAssignedPending,
} from 'kvbm-sequence';
import { PureRadixIndex } from './pure-radix';
import { PurePool } from './pure-pool';
import { readFileSync as readTrace } from 'node:fs';
import { QUERY_BLOCKS, routerEvents, routerQuery } from './router-workload';
import { routerBench } from './router-bench';
import { serveBench } from './serve-bench';
import { BLOCKS_PER_EVENT, EVENTS_PER_BATCH, engineBatches, libraryDecode, pureDecode } from './decode-workload';
import { PureAssignments, PureSequence, hashWasmXxh3, nodeRsXxh3, pureSequenceHashes, pureZip, type Hash64 } from './pure-ts';

const BS = 16;
const SALT = 1337n;
const [nativePath, outDir] = process.argv.slice(2) as [string, string];

interface Stats {
  median: number;
  p10: number;
  p90: number;
  runs: number;
  units: number;
}

// ---- the shared inputs (same generators as the native bench) ----
function xorshift(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}
function tokens(n: number): Uint32Array {
  const r = xorshift(0x9e3779b9);
  return Uint32Array.from({ length: n }, () => r() % 128_256);
}
function shuffledIds(n: number): Uint32Array {
  const ids = Uint32Array.from({ length: n }, (_, i) => i);
  const r = xorshift(0x85ebca6b);
  for (let i = n - 1; i > 0; i--) {
    const j = r() % (i + 1);
    [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
  }
  return ids;
}

/**
 * What the scalar-read workloads (W6) read, summed. A read whose result nobody uses may be
 * removed by the optimiser altogether (V8 drops an unused `Set.has` or array read, which then
 * "takes" 0.3 ns), so every W6 loop adds its results up and stores the sum here, for the
 * library and the pure TypeScript alike.
 */
let sink = 0;

/** Median and spread of `f`'s time (ns per call) over ≥ minRuns samples after warm-up. */
function measure(units: number, f: () => void, minRuns = 10, budgetMs = 1500): Stats {
  // Warm up for 150 ms (at least twice), so that V8 has optimised the code measured.
  const warm = performance.now();
  for (let i = 0; i < 2 || performance.now() - warm < 150; i++) f();
  // Repeat short workloads inside one sample so that a sample lasts ≥ 2 ms.
  const t0 = performance.now();
  f();
  const once = Math.max(performance.now() - t0, 1e-4);
  const reps = Math.max(1, Math.ceil(2 / once));
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minRuns || (samples.length < 30 && performance.now() - start < budgetMs)) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) f();
    samples.push(((performance.now() - t) * 1e6) / reps);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.round((samples.length - 1) * q)] as number;
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), runs: samples.length, units };
}

async function main(): Promise<void> {
  const native = JSON.parse(readFileSync(nativePath, 'utf8')) as Record<string, Stats>;
  const lib: Record<string, Stats> = {};
  const pure: Record<string, Stats> = {};
  const hashers = new Map<bigint, IHasher>([
    [SALT, await createXXHash3(1337, 0)],
    [1337n, await createXXHash3(1337, 0)],
  ]);
  const contenders: [string, Hash64][] = [
    ['@node-rs/xxhash', nodeRsXxh3],
    ['hash-wasm', hashWasmXxh3(hashers)],
  ];
  const bestPure = nodeRsXxh3;

  // W1 hash-prompt
  for (const n of [1_024, 16_384, 131_072]) {
    const t = tokens(n);
    lib[`w1-compute-${n}`] = measure(n, () => void computeSequenceHashes(t, BS, SALT));
    lib[`w1-sequence-${n}`] = measure(n, () => {
      const s = new BlockSequence(t, BS, SALT);
      s.allSequenceHashes();
      s.free();
    });
    let best: Stats | undefined;
    for (const [name, hash] of contenders) {
      const stats = measure(n, () => void pureSequenceHashes(hash, t, BS, SALT));
      pure[`w1-compute-${n} (${name})`] = stats;
      if (!best || stats.median < best.median) best = stats;
    }
    pure[`w1-compute-${n}`] = best as Stats;
    pure[`w1-sequence-${n}`] = measure(n, () => void new PureSequence(bestPure, t, BS, SALT));
  }

  // W2 decode
  const decode = tokens(69_632);
  const prompt = decode.subarray(0, 4_096);
  lib['w2-decode'] = measure(65_536, () => {
    const s = new BlockSequence(prompt, BS, SALT);
    for (let i = 4_096; i < decode.length; i++) s.appendToken(decode[i] as number);
    s.free();
  });
  pure['w2-decode'] = measure(65_536, () => {
    const s = new PureSequence(bestPure, prompt, BS, SALT);
    for (let i = 4_096; i < decode.length; i++) s.append(decode[i] as number);
  });

  // W3 prefill-assign
  for (const blocks of [1_024, 8_192, 65_536]) {
    const t = tokens(blocks * BS);
    const ids = shuffledIds(blocks);
    const seq = new BlockSequence(t, BS, SALT);
    const pseq = new PureSequence(bestPure, t, BS, SALT);
    lib[`w3-prefill-assign-${blocks}`] = measure(blocks, () => {
      const a = new ExternalBlockAssignments();
      a.extendBlockIds(ids);
      a.assignPending(seq);
      a.free();
    });
    pure[`w3-prefill-assign-${blocks}`] = measure(blocks, () => {
      const a = new PureAssignments();
      a.extendBlockIds(ids);
      a.assignPending(pseq);
    });
    seq.free();
  }

  // W4 decode-assign: (a) the full id list each step, (b) only the new id.
  for (const blocks of [1_024, 8_192, 65_536]) {
    const t = tokens(blocks * BS);
    const ids = shuffledIds(blocks);
    const variants: ['a' | 'b', string][] =
      blocks === 8_192
        ? [
            ['a', 'full'],
            ['b', 'new'],
          ]
        : [['b', 'new']];
    for (const [v, label] of variants) {
      const key = `w4${v}-decode-assign-${label}-${blocks}`;
      lib[key] = measure(blocks, () => {
        const s = new BlockSequence([], BS, SALT);
        const a = new ExternalBlockAssignments();
        for (let n = 1; n <= blocks; n++) {
          s.extendTokens(t.subarray((n - 1) * BS, n * BS));
          a.extendBlockIds(v === 'a' ? ids.subarray(0, n) : ids.subarray(n - 1, n));
          a.assignPending(s);
        }
        a.free();
        s.free();
      });
      pure[key] = measure(blocks, () => {
        const s = new PureSequence(bestPure, new Uint32Array(0), BS, SALT);
        const a = new PureAssignments();
        for (let n = 1; n <= blocks; n++) {
          s.extend(t.subarray((n - 1) * BS, n * BS));
          a.extendBlockIds(v === 'a' ? ids.subarray(0, n) : ids.subarray(n - 1, n));
          a.assignPending(s);
        }
      });
    }
  }

  // W5 plan and W6 queries over 8,192 blocks.
  {
    const blocks = 8_192;
    const half = blocks / 2;
    const t = tokens(blocks * BS);
    const ids = shuffledIds(blocks);
    const g2Ids = ids.map((id) => id + 1_000_000);
    const seq = new BlockSequence(t, BS, SALT);
    const g1 = new ExternalBlockAssignments(0);
    g1.extendBlockIds(ids.subarray(0, half));
    g1.assignPending(seq);
    g1.extendBlockIds(ids);
    const g2 = new ExternalBlockAssignments(half);
    g2.extendBlockIds(g2Ids.subarray(half));
    g2.assignPending(seq);
    const g1Full = new ExternalBlockAssignments(0);
    g1Full.extendBlockIds(ids);
    g1Full.assignPending(seq);
    lib['w5-plan-pending'] = measure(half, () => void zipAssignedPending(g2, g1));
    lib['w5-plan-assigned'] = measure(half, () => void zipAssigned(g2, g1Full));

    const pseq = new PureSequence(bestPure, t, BS, SALT);
    const p1 = new PureAssignments(0);
    p1.extendBlockIds(ids.subarray(0, half));
    p1.assignPending(pseq);
    p1.extendBlockIds(ids);
    const p2 = new PureAssignments(half);
    p2.extendBlockIds(g2Ids.subarray(half));
    p2.assignPending(pseq);
    const p1Full = new PureAssignments(0);
    p1Full.extendBlockIds(ids);
    p1Full.assignPending(pseq);
    pure['w5-plan-pending'] = measure(half, () => void pureZip(p2, p1, true));
    pure['w5-plan-assigned'] = measure(half, () => void pureZip(p2, p1Full, false));

    const r = xorshift(0x2545f491);
    const probes = Uint32Array.from({ length: blocks }, () => r() % (2 * blocks));
    lib['w6-get-assigned'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += g1Full.getAssigned(i)?.[0] ?? 0;
      sink += n;
    });
    lib['w6-contains'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) if (g1Full.contains(probes[i] as number)) n++;
      sink += n;
    });
    lib['w6-get-assigned-id'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += g1Full.getAssignedId(i) ?? 0;
      sink += n;
    });
    lib['w6-id-at-position'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += g1.getIdAtPosition(i) ?? 0;
      sink += n;
    });
    lib['w6-pending-at-position'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += g1.getPendingAtPosition(i) ?? 0;
      sink += n;
    });
    lib['w6-counts'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += g1.assignedCount + g1.nextPosition;
      sink += n;
    });
    pure['w6-get-assigned-id'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += p1Full.getAssignedId(i) ?? 0;
      sink += n;
    });
    pure['w6-id-at-position'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += p1.getAssignedId(i - p1.offset) ?? 0;
      sink += n;
    });
    pure['w6-pending-at-position'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += p1.pendingAt(i) ?? 0;
      sink += n;
    });
    pure['w6-counts'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += p1.assignedCount + p1.nextPosition;
      sink += n;
    });
    pure['w6-get-assigned'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += p1Full.getAssigned(i)?.[0] ?? 0;
      sink += n;
    });
    pure['w6-contains'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) if (p1Full.contains(probes[i] as number)) n++;
      sink += n;
    });
    for (const o of [seq, g1, g2, g1Full]) o.free();
  }

  // W7 router: ingest 1,000,064 (worker, block) entries over 64 workers; findMatches for an
  // 8,192-block prompt on that index.
  {
    const events = routerEvents();
    const entries = events.reduce((n, e) => n + (e.type === 'stored' ? e.blocks.length : 0), 0);
    lib['w7-ingest'] = measure(
      entries,
      () => {
        const index = new KvIndex();
        index.applyEvents(events);
        index.free();
      },
      3,
      4000,
    );
    pure['w7-ingest'] = measure(
      entries,
      () => {
        const index = new PureRadixIndex();
        for (const e of events) index.apply(e);
      },
      3,
      4000,
    );
    const index = new KvIndex();
    index.applyEvents(events);
    const pureIndex = new PureRadixIndex();
    for (const e of events) pureIndex.apply(e);
    const query = routerQuery();
    const m = index.findMatches(query);
    const pm = pureIndex.findMatches(query);
    if (m.scores.length !== pm.size || m.scores[0]?.blocks !== Math.max(...pm.values()))
      throw new Error('W7: library and pure TS disagree');
    console.error(
      `W7: index of ${index.size} entries, ${index.nodeCount} nodes, ${(index.memoryBytes / 2 ** 20).toFixed(0)} MiB (${(index.memoryBytes / index.size).toFixed(0)} B/entry); best score ${m.scores[0]?.blocks}/${QUERY_BLOCKS}, ${m.scores.length} workers scored`,
    );
    lib['w7-find-matches'] = measure(QUERY_BLOCKS, () => void index.findMatches(query));
    pure['w7-find-matches'] = measure(QUERY_BLOCKS, () => void pureIndex.findMatches(query));
    // A dashboard's read of the index's size, between changes.
    lib['w6-index-size'] = measure(8_192, () => {
      let n = 0;
      for (let i = 0; i < 8_192; i++) n += index.size;
      sink += n;
    });
    pure['w6-index-size'] = measure(8_192, () => {
      let n = 0;
      for (let i = 0; i < 8_192; i++) n += pureIndex.size;
      sink += n;
    });
    index.free();
  }

  // W8 pool operations: two 8,192-block sequences take turns in a pool of 8,192 blocks; per
  // turn: allocate (evicting the other's blocks), register, release, match (all hit), release.
  {
    const blocks = 8_192;
    const seqs = [tokens(blocks * BS), tokens(blocks * BS).map((t) => (t + 1) % 128_256)];
    const libSeqs = seqs.map((t) => new BlockSequence(t, BS, SALT));
    const pool = new TierPool({ capacity: blocks, blockSize: BS, saltHash: SALT });
    let turn = 0;
    lib['w8-pool-cycle'] = measure(blocks, () => {
      const seq = libSeqs[turn++ % 2] as BlockSequence;
      const ids = pool.allocate(blocks);
      pool.release(pool.register(ids, seq));
      pool.release(pool.match(seq));
      pool.takeEvents();
    });
    const pureSeqs = seqs.map((t) => new PureSequence(bestPure, t, BS, SALT).lineageHashes);
    const ppool = new PurePool(blocks);
    pure['w8-pool-cycle'] = measure(blocks, () => {
      const lin = pureSeqs[turn++ % 2] as bigint[];
      const ids = ppool.allocate(blocks);
      ppool.release(ppool.register(ids, lin, 0));
      ppool.release(ppool.match(lin));
    });
    // A dashboard's read of the pool's counts, between changes.
    lib['w6-pool-counts'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += pool.freeCount + pool.inactiveCount;
      sink += n;
    });
    pure['w6-pool-counts'] = measure(blocks, () => {
      let n = 0;
      for (let i = 0; i < blocks; i++) n += ppool.free.length + ppool.inactive;
      sink += n;
    });
    pool.free();
    libSeqs.forEach((q) => q.free());
  }

  // W9 the whole Mooncake trace through the simulator (SPEC §9) with the defaults (KV-aware,
  // fixed timing, block size 16), once: the library's replayTrace and the same loop natively
  // (kvbm-simulate). There is no pure-TS simulator to set beside it (the pre-§9 replay was a
  // different model), so that column stays empty. Also at block size 64 (Dynamo's mocker default).
  {
    const path = join(process.cwd(), '..', 'shared', 'data', 'mooncake-conversation.jsonl');
    const trace = parseTrace(readTrace(path, 'utf8'));
    for (const blockSize of [16, 64]) {
      const name = `w9-simulate-bs${blockSize}`;
      const t = performance.now();
      const r = replayTrace(trace, { blockSize });
      const ns = (performance.now() - t) * 1e6;
      lib[name] = { median: ns, p10: ns, p90: ns, runs: 1, units: trace.length };
      const out = execFileSync('target/release/kvbm-simulate', [path, 'kv', String(blockSize)], { encoding: 'utf8' });
      const nativeSeconds = (JSON.parse(out) as { seconds: number }).seconds;
      native[name] = { median: nativeSeconds * 1e9, p10: nativeSeconds * 1e9, p90: nativeSeconds * 1e9, runs: 1, units: trace.length };
      console.error(
        `W9 block size ${blockSize}: library ${(ns / 1e9).toFixed(1)} s (${(trace.length / (ns / 1e9)).toFixed(0)} requests/s), native ${nativeSeconds.toFixed(1)} s; hit ${(100 * r.prefixCacheReusedRatio).toFixed(1)} %, TTFT p50 ${r.ttftMs.p50.toFixed(0)} ms`,
      );
    }
  }

  // W10 decoding engine event batches (tagged-map and positional forms), per block.
  for (const form of ['map', 'positional'] as const) {
    const batches = engineBatches(500, form);
    const blocks = 500 * EVENTS_PER_BATCH * BLOCKS_PER_EVENT;
    lib[`w10-decode-${form}`] = measure(blocks, () => void libraryDecode(batches), 5);
    pure[`w10-decode-${form}`] = measure(blocks, () => void pureDecode(bestPure, batches), 5);
    const l = lib[`w10-decode-${form}`] as Stats;
    const perSecond = (x: number) => (blocks / (l.median / 1e9) / x).toFixed(0);
    console.error(
      `W10 ${form}: library ${perSecond(EVENTS_PER_BATCH * BLOCKS_PER_EVENT)} batches/s, ${perSecond(BLOCKS_PER_EVENT)} events/s, ${perSecond(1)} blocks/s`,
    );
  }

  // W11 routing decisions (tests/bench/router-bench.ts).
  for (const line of await routerBench(measure, lib, pure)) console.error(line);
  // W12 the HTTP router under load (tests/bench/serve-bench.ts).
  for (const line of await serveBench()) console.error(line);

  console.error(`(W6 checksum ${sink})`);
  report(native, lib, pure);
}

// ---- output ----
const UNIT: Record<string, string> = {
  w1: 'token',
  w2: 'token',
  w3: 'block',
  w4a: 'step',
  w4b: 'step',
  w5: 'entry',
  w6: 'call',
  w7: 'block',
  w8: 'block',
  w9: 'request',
  w10: 'block',
  w11: 'decision',
};

function fmt(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function report(native: Record<string, Stats>, lib: Record<string, Stats>, pure: Record<string, Stats>): void {
  const rows: string[][] = [];
  const ratios: { name: string; libOverNative: number; pureOverLib: number }[] = [];
  for (const [name, s] of Object.entries(lib)) {
    const n = native[name];
    const p = pure[name];
    const unit = UNIT[name.split('-')[0] as string] ?? 'unit';
    const perUnit = s.median / s.units;
    const libOverNative = n ? s.median / n.median : NaN;
    const pureOverLib = p ? p.median / s.median : NaN;
    ratios.push({ name, libOverNative, pureOverLib });
    rows.push([
      name,
      `${fmt(s.median)} (${fmt(s.p10)}–${fmt(s.p90)})`,
      (1e9 / s.median).toFixed(s.median > 1e6 ? 2 : 0),
      `${perUnit.toFixed(2)} ns/${unit}`,
      n ? `${(n.median / n.units).toFixed(2)}` : '—',
      p ? `${(p.median / p.units).toFixed(2)}` : '—',
      Number.isFinite(libOverNative) ? `${libOverNative.toFixed(2)}×` : '—',
      Number.isFinite(pureOverLib) ? `${pureOverLib.toFixed(1)}× faster` : '—',
    ]);
  }
  const header = ['workload', 'library median (p10–p90)', 'ops/s', 'library', 'native', 'pure TS', 'library/native', 'vs pure TS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('\n(native and pure TS columns: ns per unit; "vs pure TS" = pure-TS time / library time)');

  const extra: string[] = [];
  for (const key of Object.keys(pure).filter((k) => k.includes('('))) {
    extra.push(`pure TS ${key}: ${((pure[key] as Stats).median / (pure[key] as Stats).units).toFixed(2)} ns/token`);
  }
  const w4a = lib['w4a-decode-assign-full-8192'];
  if (w4a) extra.push(`W4(a): ${(w4a.median / ((8192 * 8193) / 2)).toFixed(3)} ns per id in the lists passed (library)`);
  const baseline: string[] = [];
  for (const [name, b] of Object.entries(native).filter(([k]) => k.startsWith('baseline-'))) {
    const ours = native[name.replace('baseline-', '')];
    baseline.push(
      `${name}: ${fmt(b.median)} (${b.runs} runs) vs this crate ${ours ? fmt(ours.median) : '—'}${ours ? ` → ${(b.median / ours.median).toFixed(0)}×` : ''}`,
    );
  }
  console.log(
    `\n${extra.join('\n')}\n\nNative, IndexMap front-removal store (Dynamo's design) vs this crate's store:\n${baseline.join('\n')}`,
  );

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), JSON.stringify({ machine, native, library: lib, pureTs: pure, ratios }, null, 2));
  writeFileSync(join(outDir, 'ratios.svg'), svg(ratios));
  console.log(`wrote ${join(outDir, 'results.json')} and ${join(outDir, 'ratios.svg')}`);
}

/** A horizontal bar chart, log scale: library/native (lower is better) and pure-TS/library. */
function svg(ratios: { name: string; libOverNative: number; pureOverLib: number }[]): string {
  const rowH = 26;
  const left = 230;
  const width = 760;
  const scale = (x: number) => ((Math.log10(Math.max(x, 0.1)) + 1) / 5) * (width - left - 20); // 0.1 .. 10^4
  const bars = ratios
    .map((r, i) => {
      const y = 40 + i * rowH;
      const a = Number.isFinite(r.libOverNative) ? scale(r.libOverNative) : 0;
      const b = Number.isFinite(r.pureOverLib) ? scale(r.pureOverLib) : 0;
      return [
        `<text x="${left - 8}" y="${y + 14}" text-anchor="end" font-size="12">${r.name}</text>`,
        `<rect x="${left}" y="${y}" width="${a.toFixed(1)}" height="9" fill="#4477aa"/>`,
        `<text x="${left + a + 4}" y="${y + 8}" font-size="9">${Number.isFinite(r.libOverNative) ? r.libOverNative.toFixed(2) : ''}</text>`,
        `<rect x="${left}" y="${y + 11}" width="${b.toFixed(1)}" height="9" fill="#ee7733"/>`,
        `<text x="${left + b + 4}" y="${y + 19}" font-size="9">${Number.isFinite(r.pureOverLib) ? r.pureOverLib.toFixed(1) : ''}</text>`,
      ].join('');
    })
    .join('\n');
  const ticks = [0.1, 1, 10, 100, 1000, 10000]
    .map(
      (t) =>
        `<line x1="${left + scale(t)}" y1="30" x2="${left + scale(t)}" y2="${40 + ratios.length * rowH}" stroke="#ccc"/><text x="${left + scale(t)}" y="24" font-size="10" text-anchor="middle">${t}×</text>`,
    )
    .join('');
  const h = 60 + ratios.length * rowH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>${ticks}
${bars}
<text x="${left}" y="${h - 8}" font-size="11"><tspan fill="#4477aa">■ library / native (lower is better)</tspan>  <tspan fill="#ee7733">■ pure TS / library (higher is better)</tspan></text>
</svg>
`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
