// What a user would write instead of the library: an idiomatic pure-TypeScript sequence and
// assignment record, with XXH3 from an npm package (native @node-rs/xxhash, or hash-wasm).
import { xxh3 as nativeXxh3 } from '@node-rs/xxhash';
import type { IHasher } from 'hash-wasm';

/** XXH3-64 of a byte view with a seed. */
export type Hash64 = (bytes: Uint8Array, seed: bigint) => bigint;

/** @node-rs/xxhash (N-API). */
export const nodeRsXxh3: Hash64 = (bytes, seed) => nativeXxh3.xxh64(bytes as Buffer, seed);

/** hash-wasm, one prepared hasher per seed. */
export function hashWasmXxh3(hashers: Map<bigint, IHasher>): Hash64 {
  return (bytes, seed) => {
    const h = hashers.get(seed) as IHasher;
    h.init();
    h.update(bytes);
    const out = h.digest('binary');
    return new DataView(out.buffer, out.byteOffset, 8).getBigUint64(0);
  };
}

const MASK64 = (1n << 64n) - 1n;

function lineage(position: number, current: bigint, parent: bigint): bigint {
  const [mode, p] = position < 256 ? [0n, 8n] : position < 65536 ? [1n, 16n] : [2n, 24n];
  const r = 128n - 2n - 64n - p;
  return (mode << 126n) | (BigInt(position) << (64n + r)) | ((current & MASK64) << r) | (parent & ((1n << r) - 1n));
}

/** Sequence hashes of all complete blocks, stateless. */
export function pureSequenceHashes(hash: Hash64, tokens: Uint32Array, blockSize: number, salt: bigint): BigUint64Array {
  const n = Math.floor(tokens.length / blockSize);
  const out = new BigUint64Array(n);
  const bytes = new Uint8Array(tokens.buffer, tokens.byteOffset, n * blockSize * 4);
  const pair = new Uint8Array(16);
  const view = new DataView(pair.buffer);
  let parent = 0n;
  for (let k = 0; k < n; k++) {
    const bh = hash(bytes.subarray(k * blockSize * 4, (k + 1) * blockSize * 4), salt);
    let sh = bh;
    if (k > 0) {
      view.setBigUint64(0, parent, true);
      view.setBigUint64(8, bh, true);
      sh = hash(pair, 1337n);
    }
    out[k] = sh;
    parent = sh;
  }
  return out;
}

/** A growable token sequence with incremental hashing. */
export class PureSequence {
  private tokens: Uint32Array;
  private length = 0;
  readonly sequenceHashes: bigint[] = [];
  readonly lineageHashes: bigint[] = [];
  private readonly pair = new Uint8Array(16);
  private readonly view = new DataView(this.pair.buffer);

  constructor(
    private readonly hash: Hash64,
    tokens: Uint32Array,
    readonly blockSize: number,
    readonly salt: bigint,
  ) {
    this.tokens = new Uint32Array(Math.max(16, tokens.length * 2));
    this.extend(tokens);
  }

  get blockCount(): number {
    return this.sequenceHashes.length;
  }

  extend(tokens: ArrayLike<number>): void {
    if (this.length + tokens.length > this.tokens.length) {
      const grown = new Uint32Array(Math.max(this.tokens.length * 2, this.length + tokens.length));
      grown.set(this.tokens.subarray(0, this.length));
      this.tokens = grown;
    }
    this.tokens.set(tokens, this.length);
    this.length += tokens.length;
    this.hashNewBlocks();
  }

  append(token: number): void {
    if (this.length === this.tokens.length) this.extend([token]);
    else {
      this.tokens[this.length++] = token;
      if (this.length % this.blockSize === 0) this.hashNewBlocks();
    }
  }

  private hashNewBlocks(): void {
    const bs = this.blockSize;
    const bytes = new Uint8Array(this.tokens.buffer);
    for (let k = this.sequenceHashes.length; (k + 1) * bs <= this.length; k++) {
      const bh = this.hash(bytes.subarray(k * bs * 4, (k + 1) * bs * 4), this.salt);
      const parent = k === 0 ? 0n : (this.sequenceHashes[k - 1] as bigint);
      let sh = bh;
      if (k > 0) {
        this.view.setBigUint64(0, parent, true);
        this.view.setBigUint64(8, bh, true);
        sh = this.hash(this.pair, 1337n);
      }
      this.sequenceHashes.push(sh);
      this.lineageHashes.push(lineage(k, sh, parent));
    }
  }
}

/** One tier's record: array queue with a head index, parallel arrays, a Set of known ids. */
export class PureAssignments {
  private queue: number[] = [];
  private head = 0;
  private staged: number[] = [];
  private stagedHashes: bigint[] = [];
  readonly assignedIds: number[] = [];
  readonly assignedHashes: bigint[] = [];
  private readonly known = new Set<number>();

  constructor(readonly offset = 0) {}

  get assignedCount(): number {
    return this.assignedIds.length;
  }

  get unassignedCount(): number {
    return this.queue.length - this.head;
  }

  get nextPosition(): number {
    return this.offset + this.assignedIds.length + this.staged.length;
  }

  contains(id: number): boolean {
    return this.known.has(id);
  }

  getAssigned(i: number): [number, bigint] | undefined {
    return i < this.assignedIds.length ? [this.assignedIds[i] as number, this.assignedHashes[i] as bigint] : undefined;
  }

  getAssignedId(i: number): number | undefined {
    return this.assignedIds[i];
  }

  pendingAt(position: number): number | undefined {
    const i = position - this.nextPosition;
    return i >= 0 && i < this.unassignedCount ? this.queue[this.head + i] : undefined;
  }

  extendBlockIds(ids: ArrayLike<number>): number {
    let first = 0;
    while (first < ids.length && this.known.has(ids[first] as number)) first++;
    const fresh = new Set<number>();
    for (let i = first; i < ids.length; i++) {
      const id = ids[i] as number;
      if (this.known.has(id)) throw new Error(`ordering violation at ${i}`);
      if (fresh.has(id)) throw new Error(`duplicate block_id ${id}`);
      fresh.add(id);
    }
    for (let i = first; i < ids.length; i++) {
      this.queue.push(ids[i] as number);
      this.known.add(ids[i] as number);
    }
    return ids.length - first;
  }

  assignPending(seq: PureSequence): void {
    const next = this.nextPosition;
    const count = Math.max(0, Math.min(this.unassignedCount, seq.blockCount - next));
    for (let j = 0; j < count; j++) {
      this.staged.push(this.queue[this.head + j] as number);
      this.stagedHashes.push(seq.lineageHashes[next + j] as bigint);
    }
    this.head += count;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    for (let j = 0; j < this.staged.length; j++) {
      this.assignedIds.push(this.staged[j] as number);
      this.assignedHashes.push(this.stagedHashes[j] as bigint);
    }
    this.staged = [];
    this.stagedHashes = [];
  }
}

/** (positions, src, dst) where both hold assigned blocks, or where dst has pending ids. */
export function pureZip(
  a: PureAssignments,
  b: PureAssignments,
  pending: boolean,
): { positions: Uint32Array; src: Uint32Array; dst: Uint32Array } {
  const positions: number[] = [];
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < a.assignedIds.length; i++) {
    const p = a.offset + i;
    const other = pending ? b.pendingAt(p) : b.getAssigned(p - b.offset)?.[0];
    if (other !== undefined && (pending || p >= b.offset)) {
      positions.push(p);
      src.push(a.assignedIds[i] as number);
      dst.push(other);
    }
  }
  return { positions: Uint32Array.from(positions), src: Uint32Array.from(src), dst: Uint32Array.from(dst) };
}
