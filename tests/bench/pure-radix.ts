// The router index the way a careful TypeScript user would write it: nodes as objects with a
// Map of children keyed by the local hash (bigint), a Set of workers per node, and per worker a
// Map from the engine's block hash to its node. Same semantics as SPEC §6.3 for the events the
// benchmark sends (stored with parents, findMatches with drop-out).
import type { KvEvent } from 'kvbm-sequence';

interface Node {
  readonly children: Map<bigint, Node>;
  readonly workers: Set<number>;
}

const newNode = (): Node => ({ children: new Map(), workers: new Set() });

export class PureRadixIndex {
  readonly root = newNode();
  readonly lookup = new Map<number, Map<bigint, Node>>();
  size = 0;

  static worker(id: bigint | number, dp = 0): number {
    return Number(id) * 1024 + dp;
  }

  apply(e: KvEvent): void {
    if (e.type !== 'stored') return;
    const w = PureRadixIndex.worker(e.workerId, e.dpRank);
    let lookup = this.lookup.get(w);
    if (!lookup) this.lookup.set(w, (lookup = new Map()));
    let node = this.root;
    if (e.parentHash !== null && e.parentHash !== undefined) {
      const p = lookup.get(BigInt(e.parentHash));
      if (!p) return;
      node = p;
    }
    for (const b of e.blocks) {
      const th = BigInt(b.tokensHash);
      let child = node.children.get(th);
      if (!child) node.children.set(th, (child = newNode()));
      if (!child.workers.has(w)) {
        child.workers.add(w);
        lookup.set(BigInt(b.blockHash), child);
        this.size++;
      }
      node = child;
    }
  }

  findMatches(query: BigUint64Array): Map<number, number> {
    const scores = new Map<number, number>();
    let node = this.root.children.get(query[0] as bigint);
    if (!node) return scores;
    const active = new Set(node.workers);
    let depth = 1;
    for (let i = 1; i < query.length && active.size > 0; i++) {
      const child: Node | undefined = node.children.get(query[i] as bigint);
      if (!child) break;
      if (child.workers.size < active.size) {
        for (const w of active) {
          if (!child.workers.has(w)) {
            scores.set(w, depth);
            active.delete(w);
          }
        }
      }
      if (active.size === 0) break;
      depth++;
      node = child;
    }
    for (const w of active) scores.set(w, depth);
    return scores;
  }
}
