// Reference model of SPEC §2: recomputes every hash from the tokens, nothing incremental.
import { chain, lineage, tokenBytes, type Xxh3 } from './hash';

/** One complete block of the model. */
export interface ModelBlock {
  position: number;
  blockHash: bigint;
  sequenceHash: bigint;
  lineage: bigint;
  parent: bigint;
}

/** Error kinds and fields, as the library reports them. */
export class ModelError extends Error {
  constructor(
    readonly kind: string,
    readonly fields: Record<string, number | string>,
  ) {
    super(kind);
  }
}

export class ModelSequence {
  tokens: number[];

  constructor(
    private readonly xxh3: Xxh3,
    tokens: readonly number[],
    readonly blockSize: number,
    readonly salt: bigint,
  ) {
    this.tokens = [...tokens];
  }

  get blockCount(): number {
    return Math.floor(this.tokens.length / this.blockSize);
  }

  /** All complete blocks, hashed from scratch. */
  blocks(): ModelBlock[] {
    const out: ModelBlock[] = [];
    let parent = 0n;
    for (let k = 0; k < this.blockCount; k++) {
      const blockHash = this.xxh3(tokenBytes(this.tokens.slice(k * this.blockSize, (k + 1) * this.blockSize)), this.salt);
      const sequenceHash = k === 0 ? blockHash : chain(this.xxh3, parent, blockHash);
      out.push({ position: k, blockHash, sequenceHash, lineage: lineage(k, sequenceHash, parent), parent });
      parent = sequenceHash;
    }
    return out;
  }

  partial(): number[] {
    return this.tokens.slice(this.blockCount * this.blockSize);
  }

  extend(tokens: readonly number[]): { start: number; end: number } | undefined {
    const before = this.blockCount;
    this.tokens.push(...tokens);
    return this.blockCount > before ? { start: before, end: this.blockCount } : undefined;
  }

  append(token: number): number | undefined {
    const range = this.extend([token]);
    return range ? range.start : undefined;
  }

  truncate(len: number): void {
    if (len < this.tokens.length) this.tokens.length = len;
  }

  unwind(count: number): void {
    if (count > this.tokens.length) throw new ModelError('TokenExtension', { reason: 'InsufficientTokens' });
    this.truncate(this.tokens.length - count);
  }

  pop(): number | undefined {
    return this.tokens.pop();
  }
}
