// W7's data, generated identically by crate/kvbm-sequence-bench/src/main.rs: 64 workers, each with two
// sequences of 7,813 blocks (1,000,064 (worker, block) entries); a sequence starts with a
// 2,048-block prefix shared by its group (8 groups), then its own blocks. Engines name blocks by
// a chained id, so shared prefixes carry the same ids on every worker. Events of 512 blocks.
import type { KvEvent } from 'kvbm-sequence';

export const WORKERS = 64;
export const SEQ_BLOCKS = 7_813;
export const PREFIX_BLOCKS = 2_048;
export const CHUNK = 512;
export const QUERY_BLOCKS = 8_192;

const M = (1n << 64n) - 1n;
/** SplitMix64's finaliser. */
export function mix(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & M;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
  return z ^ (z >> 31n);
}

/** Local hashes of worker `w`'s sequence `s`. */
export function sequenceHashes(w: number, s: number): BigUint64Array {
  const group = (w + 3 * s) % 8;
  const out = new BigUint64Array(SEQ_BLOCKS);
  for (let p = 0; p < SEQ_BLOCKS; p++) {
    out[p] = p < PREFIX_BLOCKS ? mix(BigInt(group * 1_000_000 + p)) : mix(BigInt((w * 2 + s + 1) * 10_000_000 + p));
  }
  return out;
}

/** All stored events, worker by worker. */
export function routerEvents(): KvEvent[] {
  const events: KvEvent[] = [];
  for (let w = 0; w < WORKERS; w++) {
    for (let s = 0; s < 2; s++) {
      const local = sequenceHashes(w, s);
      let prev = 0n;
      let parent: bigint | null = null;
      for (let start = 0; start < SEQ_BLOCKS; start += CHUNK) {
        const blocks = [];
        for (let p = start; p < Math.min(start + CHUNK, SEQ_BLOCKS); p++) {
          prev = mix(prev ^ (local[p] as bigint));
          blocks.push({ blockHash: prev, tokensHash: local[p] as bigint });
        }
        events.push({ type: 'stored', workerId: w, dpRank: 0, parentHash: parent, blocks });
        parent = prev;
      }
    }
  }
  return events;
}

/** The query: worker 0's first sequence, then blocks no one has. */
export function routerQuery(): BigUint64Array {
  const q = new BigUint64Array(QUERY_BLOCKS);
  q.set(sequenceHashes(0, 0));
  for (let p = SEQ_BLOCKS; p < QUERY_BLOCKS; p++) q[p] = mix(BigInt(999_000_000 + p));
  return q;
}
