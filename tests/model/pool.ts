// A plain reference model of SPEC §7 (the tier pool), sharing no code with the library: ids in
// arrays and Maps, hashes as bigints from the model sequence.
import type { ModelBlock } from './sequence';

export type State = 'free' | 'active' | 'inactive';

export type PoolModelEvent =
  | { type: 'stored'; parentHash: bigint | null; blocks: { blockHash: bigint; tokensHash: bigint }[] }
  | { type: 'removed'; blockHashes: bigint[] };

export class PoolModelError extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

interface Slot {
  ref: number;
  hash: bigint | undefined;
  seqHash: bigint;
  regOrder: number;
}

export class PoolModel {
  readonly slots = new Map<number, Slot>();
  free: number[] = [];
  /** Inactive ids, first to be evicted first. */
  inactive: number[] = [];
  readonly registered = new Map<bigint, number>();
  events: PoolModelEvent[] = [];
  evictions = 0;
  #counter = 0;

  constructor(
    readonly ids: number[],
    readonly policy: 'lru' | 'fifo',
  ) {
    for (const id of ids) this.slots.set(id, { ref: 0, hash: undefined, seqHash: 0n, regOrder: 0 });
    this.free = [...ids];
  }

  state(id: number): State {
    const s = this.slots.get(id) as Slot;
    return s.ref > 0 ? 'active' : s.hash !== undefined ? 'inactive' : 'free';
  }

  #acquire(id: number): void {
    if (this.state(id) === 'inactive') this.inactive = this.inactive.filter((x) => x !== id);
    (this.slots.get(id) as Slot).ref += 1;
  }

  match(blocks: ModelBlock[], from: number): number[] {
    const out: number[] = [];
    for (const b of blocks.slice(from)) {
      const id = this.registered.get(b.lineage);
      if (id === undefined) break;
      this.#acquire(id);
      out.push(id);
    }
    return out;
  }

  allocate(n: number): number[] {
    if (n > this.free.length + this.inactive.length) throw new PoolModelError('PoolExhausted');
    const removed: bigint[] = [];
    while (this.free.length < n) {
      const victim = this.inactive.shift() as number;
      const s = this.slots.get(victim) as Slot;
      this.registered.delete(s.hash as bigint);
      removed.push(s.seqHash);
      s.hash = undefined;
      this.free.push(victim);
      this.evictions += 1;
    }
    if (removed.length > 0) this.events.push({ type: 'removed', blockHashes: removed });
    const out = this.free.splice(0, n);
    for (const id of out) (this.slots.get(id) as Slot).ref = 1;
    return out;
  }

  register(ids: number[], blocks: ModelBlock[], start: number): number[] {
    if (start + ids.length > blocks.length) throw new PoolModelError('LengthMismatch');
    const seen = new Set<number>();
    for (const id of ids) {
      const s = this.slots.get(id);
      if (s === undefined) throw new PoolModelError('UnknownBlockId');
      if (seen.has(id)) throw new PoolModelError('DuplicateBlockId');
      seen.add(id);
      if (this.state(id) !== 'active' || s.hash !== undefined) throw new PoolModelError('InvalidBlockState');
    }
    const out: number[] = [];
    let run: Extract<PoolModelEvent, { type: 'stored' }> | undefined;
    ids.forEach((id, i) => {
      const b = blocks[start + i] as ModelBlock;
      const existing = this.registered.get(b.lineage);
      if (existing !== undefined) {
        this.#acquire(existing);
        (this.slots.get(id) as Slot).ref = 0;
        this.free.push(id);
        out.push(existing);
        if (run) this.events.push(run);
        run = undefined;
      } else {
        const s = this.slots.get(id) as Slot;
        s.hash = b.lineage;
        s.seqHash = b.sequenceHash;
        s.regOrder = ++this.#counter;
        this.registered.set(b.lineage, id);
        out.push(id);
        const pair = { blockHash: b.sequenceHash, tokensHash: b.blockHash };
        if (run) run.blocks.push(pair);
        else
          run = { type: 'stored', parentHash: start + i === 0 ? null : (blocks[start + i - 1] as ModelBlock).sequenceHash, blocks: [pair] };
      }
    });
    if (run) this.events.push(run);
    return out;
  }

  release(ids: number[]): void {
    const holds = new Map<number, number>();
    for (const id of ids) {
      const s = this.slots.get(id);
      if (s === undefined) throw new PoolModelError('UnknownBlockId');
      holds.set(id, (holds.get(id) ?? 0) + 1);
      if ((holds.get(id) as number) > s.ref) throw new PoolModelError('InvalidBlockState');
    }
    for (const id of ids) {
      const s = this.slots.get(id) as Slot;
      s.ref -= 1;
      if (s.ref === 0) {
        if (s.hash === undefined) this.free.push(id);
        else if (this.policy === 'lru') this.inactive.push(id);
        else {
          // FIFO: ordered by registration.
          const at = this.inactive.findIndex((x) => (this.slots.get(x) as Slot).regOrder > s.regOrder);
          if (at < 0) this.inactive.push(id);
          else this.inactive.splice(at, 0, id);
        }
      }
    }
  }

  takeEvents(): PoolModelEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  blocks(): { id: number; state: State; refCount: number; hash: bigint | undefined }[] {
    return this.ids.map((id) => {
      const s = this.slots.get(id) as Slot;
      return { id, state: this.state(id), refCount: s.ref, hash: s.hash };
    });
  }
}
