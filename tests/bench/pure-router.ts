// The routing decision the way a careful TypeScript user would write it on top of
// PureRadixIndex: sequence hashes chained with a 64-bit mix in BigInt, per worker a Map of
// active block counts and a prefill sum, the classic cost (SPEC §6.4), the cheapest worker,
// then the booking and its free. Same steps as KvRouter.tryRoute + free.
import { mix } from './router-workload';
import type { PureRadixIndex } from './pure-radix';

interface Load {
  readonly blocks: Map<bigint, number>;
  prefill: number;
}

export class PureRouter {
  readonly #loads: Load[];
  readonly #running = new Map<number, { worker: number; seq: bigint[]; prefill: number }>();
  #next = 0;

  constructor(
    readonly index: PureRadixIndex,
    readonly workers: number,
    readonly blockSize: number,
  ) {
    this.#loads = Array.from({ length: workers }, () => ({ blocks: new Map(), prefill: 0 }));
  }

  /** Chooses and books; returns the request number, the worker and its cost. */
  route(local: BigUint64Array): { id: number; worker: number; cost: number } {
    const seq: bigint[] = new Array(local.length);
    let prev = 0n;
    for (let i = 0; i < local.length; i++) seq[i] = prev = mix(prev ^ (local[i] as bigint));
    const scores = this.index.findMatches(local);
    const isl = local.length * this.blockSize;
    let best = 0;
    let bestCost = Infinity;
    for (let w = 0; w < this.workers; w++) {
      const load = this.#loads[w] as Load;
      let fresh = 0;
      for (const h of seq) if (!load.blocks.has(h)) fresh++;
      const overlap = scores.get(w * 1024) ?? 0;
      const cost = (isl - overlap * this.blockSize + load.prefill) / this.blockSize + load.blocks.size + fresh;
      if (cost < bestCost) {
        bestCost = cost;
        best = w;
      }
    }
    const prefill = isl - (scores.get(best * 1024) ?? 0) * this.blockSize;
    const load = this.#loads[best] as Load;
    for (const h of seq) load.blocks.set(h, (load.blocks.get(h) ?? 0) + 1);
    load.prefill += prefill;
    const id = this.#next++;
    this.#running.set(id, { worker: best, seq, prefill });
    return { id, worker: best, cost: bestCost };
  }

  /** Frees a booking. */
  free(id: number): void {
    const r = this.#running.get(id);
    if (!r) throw new RangeError(`no request ${id}`);
    this.#running.delete(id);
    const load = this.#loads[r.worker] as Load;
    load.prefill -= r.prefill;
    for (const h of r.seq) {
      const n = (load.blocks.get(h) ?? 0) - 1;
      if (n <= 0) load.blocks.delete(h);
      else load.blocks.set(h, n);
    }
  }
}
