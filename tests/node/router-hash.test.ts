// SPEC §6.1: the router's local block hashes, checked against an independent XXH3 (hash-wasm)
// over the byte layout the SPEC gives.
import { beforeAll, describe, expect, it } from 'vitest';
import { computeBlockHashes, computeSaltHash, computeSequenceHashes } from 'kvbm-sequence';
import { chainOf, prepareXxh3, xxh3 } from '../support/oracle-xxh3';

function bytesOf(tokens: number[], mm: bigint[] = []): Uint8Array {
  const out = new Uint8Array(tokens.length * 4 + mm.length * 8);
  const view = new DataView(out.buffer);
  tokens.forEach((t, i) => view.setUint32(i * 4, t, true));
  [...mm].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).forEach((h, i) => view.setBigUint64(tokens.length * 4 + i * 8, h, true));
  return out;
}

const tokens = Array.from({ length: 40 }, (_, i) => (i * 7919 + 13) % 50_000);
const lora = 'my-lora';
let loraSeed = 0n;

beforeAll(async () => {
  await prepareXxh3(0n, 1n, 1337n);
  loraSeed = (1337n + xxh3(new TextEncoder().encode(lora), 0n)) & 0xffff_ffff_ffff_ffffn;
  await prepareXxh3(loraSeed);
});

describe('router hashes (LocalBlockHash)', () => {
  it('are XXH3 of the block tokens seeded with the router salt 1337', () => {
    const got = computeBlockHashes(tokens, 8, computeSaltHash());
    const want = [0, 1, 2, 3, 4].map((k) => xxh3(bytesOf(tokens.slice(k * 8, k * 8 + 8)), 1337n));
    expect([...got]).toEqual(want);
  });

  it('take a LoRA name through the salt: seed 1337 + xxh3(lora, 0)', () => {
    expect(computeSaltHash({ lora })).toBe(loraSeed);
    const got = computeBlockHashes(tokens, 8, computeSaltHash({ lora }));
    expect(got[0]).toBe(xxh3(bytesOf(tokens.slice(0, 8)), loraSeed));
  });

  it("append a block's multimodal hashes sorted ascending, 8 LE bytes each", () => {
    const mm = [null, [0xffff_0000_1111_2222n, 5n], undefined, [42n]];
    const got = computeBlockHashes(tokens, 8, 1337n, { mmHashes: mm });
    const want = [0, 1, 2, 3, 4].map((k) => {
      const entry = mm[k];
      return xxh3(bytesOf(tokens.slice(k * 8, k * 8 + 8), entry ? [...entry] : []), 1337n);
    });
    expect([...got]).toEqual(want);
  });

  it('leave blocks without multimodal objects as plain hashes', () => {
    const plain = computeBlockHashes(tokens, 8, 1337n);
    const withNone = computeBlockHashes(tokens, 8, 1337n, { mmHashes: [null, null] });
    expect([...withNone]).toEqual([...plain]);
  });

  it('cut EAGLE windows of blockSize + 1 tokens advancing by blockSize', () => {
    const got = computeBlockHashes(tokens, 8, 1337n, { eagle: true });
    expect(got.length).toBe(Math.floor((tokens.length - 1) / 8));
    const want = [0, 1, 2, 3].map((k) => xxh3(bytesOf(tokens.slice(k * 8, k * 8 + 9)), 1337n));
    expect([...got]).toEqual(want);
  });

  it('give no EAGLE block for a prompt of exactly one block', () => {
    expect(computeBlockHashes(tokens.slice(0, 8), 8, 1337n, { eagle: true }).length).toBe(0);
    expect(computeBlockHashes(tokens.slice(0, 9), 8, 1337n, { eagle: true }).length).toBe(1);
  });

  it('chain with options exactly as Dynamo chains local hashes', () => {
    const opts = { eagle: true, mmHashes: [[7n]] };
    const local = [...computeBlockHashes(tokens, 8, 1337n, opts)];
    expect([...computeSequenceHashes(tokens, 8, 1337n, opts)]).toEqual(chainOf(local));
  });

  it('reject block size 0 and malformed options with clear errors', () => {
    expect(() => computeBlockHashes(tokens, 0, 1337n, { eagle: true })).toThrow(RangeError);
    expect(() => computeBlockHashes(tokens, 8, 1337n, { eagle: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => computeBlockHashes(tokens, 8, 1337n, { mmHashes: [[-1n]] })).toThrow(RangeError);
    expect(() => computeBlockHashes(tokens, 8, 1337n, { mmHashes: [5 as unknown as bigint[]] })).toThrow(TypeError);
  });
});

describe('computeSaltHash options form', () => {
  it('equals the positional form', () => {
    expect(computeSaltHash({ salt: 'ns', lora: 'l' })).toBe(computeSaltHash('ns', 'l'));
    expect(computeSaltHash({})).toBe(1337n);
  });

  it('does not mistake a LoRA name for a salt', () => {
    expect(computeSaltHash({ lora: 'x' })).not.toBe(computeSaltHash('x'));
    expect(computeSaltHash({ lora: 'x' })).toBe(computeSaltHash(undefined, 'x'));
  });
});
