// The "Memory without free()" measurement of docs/trust.md: 20,000 BlockSequences of 4,096 tokens
// (block size 16), each asked for its sequence hashes, then
//   free   freed at once,
//   sync   left to the collector in a synchronous loop,
//   yield  left to the collector, the loop yielding to the event loop every 100 (a server).
// Prints WebAssembly memory before and after, and the most objects alive at once.
// Usage (after `npm run build`): node scripts/memory-loop.mjs free|sync|yield
import { BlockSequence, memoryStats } from '../dist/index.js';

const mode = process.argv[2];
if (!['free', 'sync', 'yield'].includes(mode)) {
  console.error('usage: node scripts/memory-loop.mjs free|sync|yield');
  process.exit(2);
}
const MiB = 2 ** 20;
const tokens = new Uint32Array(4096).map((_, i) => (i * 7919) % 128_256);
const start = memoryStats().memoryBytes;
let mostAlive = 0;
for (let i = 0; i < 20_000; i++) {
  const sequence = new BlockSequence(tokens, 16, 1337n);
  sequence.sequenceHashes();
  if (mode === 'free') sequence.free();
  if (mode === 'yield' && i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 0));
  if (i % 100 === 0) mostAlive = Math.max(mostAlive, memoryStats().liveObjects);
}
const end = memoryStats().memoryBytes;
console.log(
  `${mode}: WebAssembly memory ${(start / MiB).toFixed(1)} -> ${(end / MiB).toFixed(1)} MiB; most objects alive at once ${mostAlive}`,
);
