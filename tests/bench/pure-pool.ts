// The tier pool, the worker and the replay the way a careful TypeScript user would write them:
// ids in typed arrays, a Map from lineage hash to id, and the LRU order as a doubly linked list
// over Int32Arrays (O(1) per block; a Map in insertion order, the shorter idiom, degrades badly
// in V8 once many entries were deleted from its front). Same semantics as SPEC §7–§8 for the
// benchmark's operations; hashing with @node-rs/xxhash through tests/bench/pure-ts.ts.
import { outputTokens, promptTokens, type TraceRequest } from 'kvbm-sequence';
import { PureSequence, type Hash64 } from './pure-ts';

export class PurePool {
  readonly ref: Uint32Array;
  readonly hash: (bigint | undefined)[];
  readonly free: number[] = [];
  readonly registered = new Map<bigint, number>();
  readonly #prev: Int32Array;
  readonly #next: Int32Array;
  #head = -1;
  #tail = -1;
  inactive = 0;
  evictions = 0;

  constructor(capacity: number) {
    this.ref = new Uint32Array(capacity);
    this.hash = new Array(capacity).fill(undefined);
    this.#prev = new Int32Array(capacity).fill(-1);
    this.#next = new Int32Array(capacity).fill(-1);
    for (let i = 0; i < capacity; i++) this.free.push(i);
  }

  #unlink(id: number): void {
    const p = this.#prev[id] as number;
    const n = this.#next[id] as number;
    if (p >= 0) this.#next[p] = n;
    else this.#head = n;
    if (n >= 0) this.#prev[n] = p;
    else this.#tail = p;
    this.inactive--;
  }

  #pushBack(id: number): void {
    this.#prev[id] = this.#tail;
    this.#next[id] = -1;
    if (this.#tail >= 0) this.#next[this.#tail] = id;
    else this.#head = id;
    this.#tail = id;
    this.inactive++;
  }

  #acquire(id: number): void {
    if (this.ref[id] === 0) this.#unlink(id);
    this.ref[id] = (this.ref[id] as number) + 1;
  }

  match(lineage: bigint[], from = 0): number[] {
    const out: number[] = [];
    for (let i = from; i < lineage.length; i++) {
      const id = this.registered.get(lineage[i] as bigint);
      if (id === undefined) break;
      this.#acquire(id);
      out.push(id);
    }
    return out;
  }

  allocate(n: number): number[] {
    if (n > this.free.length + this.inactive) throw new RangeError('PoolExhausted');
    while (this.free.length < n) {
      const victim = this.#head;
      this.#unlink(victim);
      this.registered.delete(this.hash[victim] as bigint);
      this.hash[victim] = undefined;
      this.free.push(victim);
      this.evictions++;
    }
    const out = this.free.splice(this.free.length - n, n);
    for (const id of out) this.ref[id] = 1;
    return out;
  }

  register(ids: number[], lineage: bigint[], start: number): number[] {
    return ids.map((id, i) => {
      const h = lineage[start + i] as bigint;
      const existing = this.registered.get(h);
      if (existing !== undefined) {
        this.#acquire(existing);
        this.ref[id] = 0;
        this.free.push(id);
        return existing;
      }
      this.hash[id] = h;
      this.registered.set(h, id);
      return id;
    });
  }

  release(ids: number[]): void {
    for (const id of ids) {
      const r = (this.ref[id] as number) - 1;
      this.ref[id] = r;
      if (r === 0) {
        if (this.hash[id] === undefined) this.free.push(id);
        else this.#pushBack(id);
      }
    }
  }
}

export interface PureTotals {
  requests: number;
  promptTokens: number;
  g1HitTokens: number;
  g2HitTokens: number;
}

/** The replay of src/replay.ts, round-robin, in plain TypeScript. */
export function pureReplay(
  hash: Hash64,
  trace: readonly TraceRequest[],
  workers = 4,
  bs = 16,
  g1Tokens = 1_000_000,
  g2Tokens = 4_000_000,
): PureTotals {
  const pools = Array.from({ length: workers }, () => ({
    g1: new PurePool(Math.floor(g1Tokens / bs)),
    g2: new PurePool(Math.floor(g2Tokens / bs)),
  }));
  const running = new Map<string, { w: number; g1: number[]; g2: number[] }>();
  const ends: { at: number; id: string }[] = [];
  const totals: PureTotals = { requests: 0, promptTokens: 0, g1HitTokens: 0, g2HitTokens: 0 };
  trace.forEach((request, i) => {
    // Finish what ended (a sorted list, as a user might keep it).
    while (ends.length > 0 && (ends[0] as { at: number }).at <= request.timestamp) {
      const e = ends.shift() as { id: string };
      const r = running.get(e.id) as { w: number; g1: number[]; g2: number[] };
      running.delete(e.id);
      pools[r.w]?.g1.release(r.g1);
      pools[r.w]?.g2.release(r.g2);
    }
    const w = i % workers;
    const { g1, g2 } = pools[w] as { g1: PurePool; g2: PurePool };
    const prompt = promptTokens(request);
    const seq = new PureSequence(hash, prompt, bs, 1337n);
    const lin = seq.lineageHashes;
    const n = lin.length;
    const hit1 = g1.match(lin);
    const hit2 = g2.match(lin, hit1.length);
    const h1 = hit1.length;
    const h2 = h1 + hit2.length;
    totals.requests++;
    totals.promptTokens += prompt.length;
    let fresh: number[];
    try {
      fresh = g1.allocate(n - h1 + 1);
    } catch {
      g1.release(hit1);
      g2.release(hit2);
      return;
    }
    const held = { w, g1: [...hit1], g2: [] as number[] };
    held.g1.push(...g1.register(fresh.slice(0, n - h1), lin, h1));
    g2.release(hit2);
    // Write-through of what G2 lacks.
    const missing: number[] = [];
    for (let p = h1; p < n; p++) if (!g2.registered.has(lin[p] as bigint)) missing.push(p);
    const room = Math.min(missing.length, g2.free.length + g2.inactive);
    if (room > 0) {
      const ids = g2.allocate(room);
      ids.forEach((id, k) => held.g2.push(...g2.register([id], lin, missing[k] as number)));
    }
    let partial = fresh[fresh.length - 1] as number;
    const out = outputTokens(i, request.outputLength);
    for (const t of out) {
      const before = seq.blockCount;
      seq.append(t);
      if (seq.blockCount > before) {
        held.g1.push(...g1.register([partial], lin, before));
        try {
          partial = g1.allocate(1)[0] as number;
        } catch {
          break;
        }
      }
    }
    held.g1.push(partial);
    totals.g1HitTokens += h1 * bs;
    totals.g2HitTokens += (h2 - h1) * bs;
    const id = `r${i}`;
    running.set(id, held);
    const at = request.timestamp + ((prompt.length - h2 * bs) / 10_000) * 1000 + request.outputLength * 20;
    let k = ends.length;
    while (k > 0 && (ends[k - 1] as { at: number }).at > at) k--;
    ends.splice(k, 0, { at, id });
  });
  return totals;
}
