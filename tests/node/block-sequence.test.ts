// SPEC §2: the block sequence.
import { describe, expect, it } from 'vitest';
import { BlockSequence, BlockSequenceError, computeSequenceHashes } from 'kvbm-sequence';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('BlockSequence', () => {
  it('an aligned sequence has only complete blocks', () => {
    using s = new BlockSequence(range(1, 12), 4, 1337n);
    expect(s.blockCount).toBe(3);
    expect(s.totalTokens).toBe(12);
    expect(s.blockSize).toBe(4);
    expect(s.partialTokens()).toEqual(new Uint32Array(0));
  });

  it('the remainder is the partial block', () => {
    using s = new BlockSequence(range(1, 14), 4);
    expect(s.blockCount).toBe(3);
    expect([...s.partialTokens()]).toEqual([13, 14]);
  });

  it('the salt defaults to 0 and is reported', () => {
    using s = new BlockSequence([], 4);
    expect(s.saltHash).toBe(0n);
    using t = new BlockSequence([], 4, 0xffff_ffff_ffff_ffffn);
    expect(t.saltHash).toBe(0xffff_ffff_ffff_ffffn);
  });

  it('block(i) gives position, tokens and all three hashes', () => {
    using s = new BlockSequence(range(1, 12), 4, 1337n);
    const b = s.block(1);
    expect(b?.position).toBe(1);
    expect([...(b?.tokens ?? [])]).toEqual([5, 6, 7, 8]);
    expect(b?.blockHash).toBe(16777012769546811212n);
    expect(b?.sequenceHash).toBe(4945711292740353085n);
    expect(b?.lineageHash.toBigInt()).toBe(0x005128ac8de75b4f0f78e4d7fb2dca5cn);
    expect(s.block(3)).toBeUndefined();
  });

  it('extendTokens returns the completed block range', () => {
    using s = new BlockSequence([1, 2, 3], 4);
    expect(s.extendTokens([4, 5, 6, 7, 8, 9])).toEqual({ start: 0, end: 2 });
    expect(s.extendTokens([10])).toBeUndefined();
    expect([...s.partialTokens()]).toEqual([9, 10]);
  });

  it('extending by nothing returns null', () => {
    using s = new BlockSequence([1, 2, 3, 4], 4);
    expect(s.extendTokens([])).toBeUndefined();
    expect(s.extendTokens(new Uint32Array(0))).toBeUndefined();
  });

  it('appendToken returns the block it completed', () => {
    using s = new BlockSequence([1, 2], 4);
    expect(s.appendToken(3)).toBeUndefined();
    expect(s.appendToken(4)).toBe(0);
    expect(s.blockCount).toBe(1);
  });

  it('building, extending in chunks and appending one by one give the same hashes', () => {
    const tokens = range(0, 102).map((i) => (i * 7919) >>> 0);
    using whole = new BlockSequence(tokens, 5, 42n);
    using chunks = new BlockSequence([], 5, 42n);
    for (let i = 0; i < tokens.length; i += 7) chunks.extendTokens(tokens.slice(i, i + 7));
    using single = new BlockSequence([], 5, 42n);
    for (const t of tokens) single.appendToken(t);
    expect([...chunks.sequenceHashes()]).toEqual([...whole.sequenceHashes()]);
    expect([...single.sequenceHashes()]).toEqual([...whole.sequenceHashes()]);
    expect([...whole.sequenceHashes()]).toEqual([...computeSequenceHashes(tokens, 5, 42n)]);
  });

  it('truncate beyond the end is a no-op', () => {
    using s = new BlockSequence(range(1, 10), 4);
    s.truncate(10);
    s.truncate(2 ** 40);
    expect(s.totalTokens).toBe(10);
  });

  it('truncate into a block makes its survivors the partial block and keeps earlier hashes', () => {
    using s = new BlockSequence(range(1, 12), 4);
    const first = s.sequenceHashes()[0];
    s.truncate(6);
    expect(s.blockCount).toBe(1);
    expect([...s.partialTokens()]).toEqual([5, 6]);
    expect(s.sequenceHashes()[0]).toBe(first);
  });

  it('truncate then re-extend restores the same hashes', () => {
    using s = new BlockSequence(range(1, 20), 4);
    const before = [...s.allSequenceHashes()].map(String);
    s.truncate(7);
    s.extendTokens(range(8, 20));
    expect(s.allSequenceHashes().map(String)).toEqual(before);
  });

  it('unwind removes tokens from the end', () => {
    using s = new BlockSequence(range(1, 12), 4);
    s.unwind(5);
    expect(s.totalTokens).toBe(7);
    expect(s.blockCount).toBe(1);
  });

  it('unwind past the start throws InsufficientTokens and changes nothing', () => {
    using s = new BlockSequence(range(1, 12), 4);
    let error: unknown;
    try {
      s.unwind(13);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BlockSequenceError);
    expect(error).toMatchObject({ kind: 'TokenExtension', reason: 'InsufficientTokens' });
    expect((error as Error).message).toMatch(/^token extension error: /);
    expect(s.totalTokens).toBe(12);
  });

  it('pop removes and returns the last token', () => {
    using s = new BlockSequence([1, 2, 3, 4, 5, 6, 7, 8], 4);
    expect(s.pop()).toBe(8);
    expect(s.blockCount).toBe(1);
    using empty = new BlockSequence([], 4);
    expect(empty.pop()).toBeUndefined();
  });

  it('tokens up to 2^32 - 1 are accepted', () => {
    using s = new BlockSequence([0xffff_ffff, 0, 0xffff_ffff, 1], 2);
    expect(s.block(0)?.tokens).toEqual(new Uint32Array([0xffff_ffff, 0]));
  });

  it('a 1,000,000-token sequence at block size 16 has 62,500 blocks', () => {
    const tokens = new Uint32Array(1_000_000).map((_, i) => Math.imul(i, 2654435761) >>> 0);
    using s = new BlockSequence(tokens, 16, 1337n);
    expect(s.blockCount).toBe(62_500);
    expect([...s.sequenceHashes()]).toEqual([...computeSequenceHashes(tokens, 16, 1337n)]);
    expect(s.allSequenceHashes()[62_499]?.position).toBe(62_499);
  });
});

describe('BlockSequenceSlice', () => {
  it('views complete blocks [start, end)', () => {
    using s = new BlockSequence(range(1, 20), 4);
    const slice = s.slice(1, 3);
    expect(slice.length).toBe(2);
    expect([...slice.sequenceHashes()]).toEqual([...s.sequenceHashes()].slice(1, 3));
    expect(s.slice().length).toBe(5);
  });

  it('outside 0..=blockCount is a RangeError', () => {
    using s = new BlockSequence(range(1, 8), 4);
    expect(() => s.slice(0, 3)).toThrow(RangeError);
    expect(() => s.slice(2, 1)).toThrow(RangeError);
  });

  it('a slice whose blocks the sequence lost throws RangeError when used', () => {
    using s = new BlockSequence(range(1, 16), 4);
    const slice = s.slice(0, 4);
    s.truncate(4);
    expect(() => slice.blockHashes()).toThrow(RangeError);
  });
});
