// SPEC §4: planning across tiers.
import { describe, expect, it } from 'vitest';
import { BlockSequence, ExternalBlockAssignments, zipAssigned, zipAssignedPending } from 'kvbm-sequence';

const fiveBlocks = () =>
  new BlockSequence(
    Array.from({ length: 20 }, (_, i) => i),
    4,
    1337n,
  );

function tier(offset: number, ids: number[], seq: BlockSequence): ExternalBlockAssignments {
  const t = new ExternalBlockAssignments(offset);
  t.extendBlockIds(ids);
  t.assignPending(seq);
  return t;
}

const triples = (plan: { positions: Uint32Array; src: Uint32Array; dst: Uint32Array }) =>
  [...plan.positions].map((p, i) => [p, plan.src[i], plan.dst[i]]);

describe('planning', () => {
  it('the G2 → G1 onboarding example of SPEC §4', () => {
    using seq = fiveBlocks();
    using g1 = tier(0, [1000, 1001], seq);
    using g2 = tier(2, [2002, 2003, 2004], seq);
    g1.extendBlockIds([1000, 1001, 1002, 1003, 1004]);
    const expected = [
      [2, 2002, 1002],
      [3, 2003, 1003],
      [4, 2004, 1004],
    ];
    expect(triples(zipAssignedPending(g2, g1))).toEqual(expected);
    g1.assignPending(seq);
    expect(triples(zipAssigned(g2, g1))).toEqual(expected);
  });

  it('zipAssigned covers only the positions both tiers hold', () => {
    using seq = fiveBlocks();
    using a = tier(0, [1, 2, 3, 4], seq);
    using b = tier(2, [7, 8, 9], seq);
    expect(triples(zipAssigned(a, b))).toEqual([
      [2, 3, 7],
      [3, 4, 8],
    ]);
  });

  it('zipAssigned of disjoint tiers is empty, as three empty arrays', () => {
    using seq = fiveBlocks();
    using a = tier(0, [1, 2], seq);
    using b = tier(3, [7, 8], seq);
    const plan = zipAssigned(a, b);
    expect([plan.positions.length, plan.src.length, plan.dst.length]).toEqual([0, 0, 0]);
  });

  it('zipAssignedPending stops where the source ends', () => {
    using seq = fiveBlocks();
    using src = tier(0, [1, 2], seq);
    using dst = new ExternalBlockAssignments();
    dst.extendBlockIds([7, 8, 9]);
    expect(triples(zipAssignedPending(src, dst))).toEqual([
      [0, 1, 7],
      [1, 2, 8],
    ]);
  });

  it('zipAssignedPending skips staged positions of the destination', () => {
    using seq = fiveBlocks();
    using src = tier(0, [1, 2, 3], seq);
    using dst = new ExternalBlockAssignments();
    dst.extendBlockIds([7]);
    dst.stagePending(seq);
    dst.extendBlockIds([8]);
    expect(triples(zipAssignedPending(src, dst))).toEqual([[1, 2, 8]]);
  });

  it('a tier zipped with itself pairs each id with itself', () => {
    using seq = fiveBlocks();
    using a = tier(1, [5, 6], seq);
    expect(triples(zipAssigned(a, a))).toEqual([
      [1, 5, 5],
      [2, 6, 6],
    ]);
  });
});
