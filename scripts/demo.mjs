// `npm run demo`: the SPEC §4 onboarding flow (G2 host memory -> G1 device memory) on a
// generated 32,768-token prompt. Prints the transfer plan and the hash of the last block.
import {
  BlockSequence,
  ExternalBlockAssignments,
  computeSaltHash,
  zipAssigned,
  zipAssignedPending,
} from '../dist/index.js';

const TOKENS = 32_768;
const BLOCK_SIZE = 16;

// A fixed pseudo-random prompt (xorshift32), token ids below a 128k vocabulary.
let state = 0x9e3779b9;
const prompt = new Uint32Array(TOKENS).map(() => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) % 128_256;
});

const t0 = performance.now();
const seq = new BlockSequence(prompt, BLOCK_SIZE, computeSaltHash());
const blocks = seq.blockCount;
const split = blocks / 4; // G1 still holds the first quarter; G2 holds the rest.

// G1 (device): ids 0.. for the first quarter, assigned.
const g1 = new ExternalBlockAssignments(0);
const g1Ids = Uint32Array.from({ length: blocks }, (_, i) => i);
g1.extendBlockIds(g1Ids.subarray(0, split));
g1.assignPending(seq);

// G2 (host): the rest of the prompt, offset `split`, ids 100000...
const g2 = new ExternalBlockAssignments(split);
g2.extendBlockIds(Uint32Array.from({ length: blocks - split }, (_, i) => 100_000 + i));
g2.assignPending(seq);

// The scheduler allocates G1 blocks for the whole prompt: the plan says what to onboard.
g1.extendBlockIds(g1Ids);
const plan = zipAssignedPending(g2, g1);
// ... copy plan.src[i] (G2) into plan.dst[i] (G1) here ...
const committed = g1.assignPending(seq);
const check = zipAssigned(g2, g1);
const elapsed = performance.now() - t0;

const same =
  check.positions.length === plan.positions.length &&
  check.dst.every((id, i) => id === plan.dst[i] && check.src[i] === plan.src[i]);
const last = seq.block(blocks - 1);
const line = (i) => `  position ${plan.positions[i]}: G2 block ${plan.src[i]} -> G1 block ${plan.dst[i]}`;

console.log(`prompt: ${TOKENS} tokens, block size ${BLOCK_SIZE}, ${blocks} blocks, salt ${computeSaltHash()}`);
console.log(`G1 held positions 0..${split}; G2 held ${split}..${blocks}`);
console.log(`onboarding plan (G2 -> G1): ${plan.positions.length} blocks`);
for (let i = 0; i < 3; i++) console.log(line(i));
console.log('  ...');
for (let i = plan.positions.length - 3; i < plan.positions.length; i++) console.log(line(i));
console.log(`G1 committed assigned indices ${committed.start}..${committed.end}; zipAssigned(G2, G1) equals the plan: ${same}`);
console.log(`last block: position ${last.position}`);
console.log(`  sequence hash ${last.sequenceHash} (0x${last.sequenceHash.toString(16).padStart(16, '0')})`);
console.log(`  lineage hash  ${last.lineageHash} (0x${last.lineageHash.toBigInt().toString(16).padStart(32, '0')})`);
console.log(`done in ${elapsed.toFixed(2)} ms`);
if (!same) process.exitCode = 1;
for (const o of [seq, g1, g2]) o.free();
