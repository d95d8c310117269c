// The tier pool the way a careful TypeScript user would write it:
// ids in typed arrays, a Map from lineage hash to id, and the LRU order as a doubly linked list
// over Int32Arrays (O(1) per block; a Map in insertion order, the shorter idiom, degrades badly
// in V8 once many entries were deleted from its front). Same semantics as SPEC §7–§8 for the
// benchmark's operations.

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
