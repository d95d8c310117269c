// Reference model of SPEC §3 and §4: plain arrays, linear scans, checks before changes.
import { ModelError, type ModelBlock } from './sequence';

export type ModelPair = [number, bigint];

export class ModelAssignments {
  unassigned: number[] = [];
  staged: ModelPair[] = [];
  assigned: ModelPair[] = [];

  constructor(readonly offset: number) {}

  known(id: number): boolean {
    return this.unassigned.includes(id) || this.staged.some(([x]) => x === id) || this.assigned.some(([x]) => x === id);
  }

  get nextPosition(): number {
    return this.offset + this.assigned.length + this.staged.length;
  }

  extendBlockIds(ids: readonly number[]): number {
    let firstNew = 0;
    while (firstNew < ids.length && this.known(ids[firstNew] as number)) firstNew++;
    const fresh: number[] = [];
    for (let i = firstNew; i < ids.length; i++) {
      const id = ids[i] as number;
      if (this.known(id)) {
        throw new ModelError('OrderingViolation', {
          knownId: id,
          newId: ids[firstNew] as number,
          knownIndex: i,
          firstNewIndex: firstNew,
        });
      }
      if (fresh.includes(id)) throw new ModelError('DuplicateBlockId', { blockId: id });
      fresh.push(id);
    }
    this.unassigned.push(...fresh);
    return fresh.length;
  }

  extendAssigned(pairs: readonly ModelPair[]): number {
    const seen: number[] = [];
    for (const [id] of pairs) {
      if (this.known(id) || seen.includes(id)) throw new ModelError('DuplicateBlockId', { blockId: id });
      seen.push(id);
    }
    this.assigned.push(...pairs.map(([id, h]): ModelPair => [id, h]));
    return pairs.length;
  }

  /** `blocks[i]` is what the caller passed as entry i. */
  stagePending(blocks: readonly ModelBlock[]): { start: number; end: number } {
    const next = this.nextPosition;
    const count = Math.max(0, Math.min(this.unassigned.length, blocks.length - next));
    for (let j = 0; j < count; j++) {
      const block = blocks[next + j] as ModelBlock;
      if (block.position !== next + j) {
        throw new ModelError('PositionMismatch', {
          expected: next + j,
          actual: block.position,
          blockId: this.unassigned[j] as number,
        });
      }
    }
    const start = this.staged.length;
    for (let j = 0; j < count; j++) {
      this.staged.push([this.unassigned.shift() as number, (blocks[next + j] as ModelBlock).lineage]);
    }
    return { start, end: this.staged.length };
  }

  commitStaged(): { start: number; end: number } {
    const start = this.assigned.length;
    this.assigned.push(...this.staged);
    this.staged = [];
    return { start, end: this.assigned.length };
  }

  assignPending(blocks: readonly ModelBlock[]): { start: number; end: number } {
    this.stagePending(blocks);
    return this.commitStaged();
  }

  takeStaged(): ModelPair[] {
    const out = this.staged;
    this.staged = [];
    return out;
  }

  clear(): void {
    this.unassigned = [];
    this.staged = [];
    this.assigned = [];
  }

  getAtPosition(p: number): ModelPair | undefined {
    return p >= this.offset ? this.assigned[p - this.offset] : undefined;
  }

  getPendingAtPosition(p: number): number | undefined {
    return p >= this.nextPosition ? this.unassigned[p - this.nextPosition] : undefined;
  }
}

/** (position, a's id, b's id) for positions both hold assigned. */
export function modelZipAssigned(a: ModelAssignments, b: ModelAssignments): number[][] {
  const out: number[][] = [];
  a.assigned.forEach(([id], i) => {
    const other = b.getAtPosition(a.offset + i);
    if (other) out.push([a.offset + i, id, other[0]]);
  });
  return out;
}

/** (position, src id, dst id) for positions src holds assigned and dst has pending. */
export function modelZipAssignedPending(src: ModelAssignments, dst: ModelAssignments): number[][] {
  const out: number[][] = [];
  src.assigned.forEach(([id], i) => {
    const other = dst.getPendingAtPosition(src.offset + i);
    if (other !== undefined) out.push([src.offset + i, id, other]);
  });
  return out;
}
