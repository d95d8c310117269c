// The SIMD128 lane XXH3 experiment (crate/kvbm-sequence/src/hashing/xxh3_lanes.rs), on the raw exports of two builds
// of the same crate: the shipped scalar module and one compiled with `+simd128`.
//   1. equality: block hashes of random blocks of every block size the lanes cover (5..=60
//      tokens: 20..=240 bytes), both modules, compared word for word;
//   2. speed: sequence hashes of 131,072 tokens per block size, median of 15 rounds.
// Usage: node scripts/bench-lanes.mjs SCALAR.wasm SIMD.wasm [blocks per size] [results.json]
import { readFileSync, writeFileSync } from 'node:fs';

const [scalarPath, simdPath, blocksArg = '100000', outPath] = process.argv.slice(2);
const RET_OUT_PTR = 14;
const RET_OUT_LEN = 15;

function load(path) {
  const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {}).exports;
  const retBase = ex.kv_ret_ptr() >>> 2;
  return {
    /** Hashes `tokens` (which: 0 block hashes, 1 sequence hashes); returns a fresh copy. */
    hashes(tokens, blockSize, which) {
      const ptr = ex.kv_input(tokens.length);
      new Uint32Array(ex.memory.buffer, ptr, tokens.length).set(tokens);
      if ((which ? ex.kv_sequence_hashes : ex.kv_block_hashes)(tokens.length, blockSize, 1337, 0) !== 0) throw new Error('call failed');
      const words = new Uint32Array(ex.memory.buffer);
      const at = words[retBase + RET_OUT_PTR];
      return new Uint32Array(ex.memory.buffer, at, words[retBase + RET_OUT_LEN] >>> 2).slice();
    },
    timeOnly(n, blockSize) {
      if (ex.kv_sequence_hashes(n, blockSize, 1337, 0) !== 0) throw new Error('call failed');
    },
    fill(tokens) {
      const ptr = ex.kv_input(tokens.length);
      new Uint32Array(ex.memory.buffer, ptr, tokens.length).set(tokens);
    },
  };
}

const scalar = load(scalarPath);
const simd = load(simdPath);

// xorshift32 tokens: the full u32 range, so every byte of a block varies.
let state = 0x9e3779b9;
function randomTokens(n) {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state >>> 0;
  }
  return out;
}

const blocksPerSize = Number(blocksArg);
const chunkBlocks = 250_000;
const equality = {};
for (let bs = 5; bs <= 60; bs++) {
  let compared = 0;
  while (compared < blocksPerSize) {
    const blocks = Math.min(chunkBlocks, blocksPerSize - compared);
    const tokens = randomTokens(blocks * bs);
    const a = scalar.hashes(tokens, bs, 0);
    const b = simd.hashes(tokens, bs, 0);
    if (a.length !== blocks * 2 || b.length !== a.length) throw new Error(`bs ${bs}: wrong output length`);
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) throw new Error(`bs ${bs}: block ${compared + (i >> 1)} differs`);
    }
    compared += blocks;
  }
  equality[bs] = compared;
}
console.log(`equal: ${blocksPerSize} random blocks at each block size 5..60 (${56 * blocksPerSize} in all)`);

const n = 131_072;
const tokens = randomTokens(n);
const speed = {};
for (const bs of [8, 16, 32, 48, 60, 64]) {
  const row = {};
  for (const [name, m] of [
    ['scalar', scalar],
    ['simd', simd],
  ]) {
    m.fill(tokens);
    for (let i = 0; i < 20; i++) m.timeOnly(n, bs);
    const rounds = [];
    for (let r = 0; r < 15; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 10; i++) m.timeOnly(n, bs);
      rounds.push(Number(process.hrtime.bigint() - start) / 10 / n);
    }
    rounds.sort((x, y) => x - y);
    row[name] = rounds[7];
  }
  row.speedup = row.scalar / row.simd;
  speed[bs] = row;
  console.log(
    `block size ${String(bs).padStart(2)}: scalar ${row.scalar.toFixed(3)} ns/token, SIMD lanes ${row.simd.toFixed(3)} ns/token, ${row.speedup.toFixed(2)}x`,
  );
}
if (outPath) writeFileSync(outPath, `${JSON.stringify({ blocksPerSize, equality, speed }, null, 2)}\n`);
