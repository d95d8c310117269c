// SPEC §1: hashing, through the public API of the built package.
import { describe, expect, it, beforeAll } from 'vitest';
import { BlockSequence, computeBlockHashes, computeSaltHash, computeSequenceHashes } from 'kvbm-sequence';
import { prepareXxh3, xxh3 } from '../support/oracle-xxh3';

const oneToTwelve = Array.from({ length: 12 }, (_, i) => i + 1);

function le32(tokens: number[]): Uint8Array {
  const out = new Uint8Array(tokens.length * 4);
  const view = new DataView(out.buffer);
  tokens.forEach((t, i) => view.setUint32(i * 4, t, true));
  return out;
}

describe('known answers of SPEC §1.2', () => {
  it('block hashes with salt 1337', () => {
    expect([...computeBlockHashes(oneToTwelve, 4, 1337n)]).toEqual([14643705804678351452n, 16777012769546811212n, 483935686894639516n]);
  });

  it('sequence hashes with salt 1337', () => {
    expect([...computeSequenceHashes(oneToTwelve, 4, 1337n)]).toEqual([14643705804678351452n, 4945711292740353085n, 12583592247330656132n]);
  });

  it('block hashes without a salt', () => {
    expect([...computeBlockHashes(oneToTwelve, 4)]).toEqual([8052976908588476977n, 13852901005659965728n, 12087364272738490135n]);
  });

  it('sequence hashes without a salt', () => {
    expect([...computeSequenceHashes(oneToTwelve, 4)]).toEqual([8052976908588476977n, 17538018756801271241n, 70629693063532910n]);
  });

  it('a sequence built with salt 1337 has the same hashes', () => {
    using seq = new BlockSequence(oneToTwelve, 4, 1337n);
    expect([...seq.blockHashes()]).toEqual([...computeBlockHashes(oneToTwelve, 4, 1337n)]);
    expect([...seq.sequenceHashes()]).toEqual([...computeSequenceHashes(oneToTwelve, 4, 1337n)]);
  });

  it('lineage hashes of the three blocks', () => {
    using seq = new BlockSequence(oneToTwelve, 4, 1337n);
    expect(seq.allSequenceHashes().map((h) => h.toBigInt())).toEqual([
      0x0032ce3935fecb729700000000000000n,
      0x005128ac8de75b4f0f78e4d7fb2dca5cn,
      0x00aba8799e9b2033e122b2379d6d3c3dn,
    ]);
  });

  it('text forms of the first two lineage hashes', () => {
    using seq = new BlockSequence(oneToTwelve, 4, 1337n);
    const [h0, h1] = seq.allSequenceHashes();
    expect(String(h0)).toBe('0:azWbh91idkf');
    expect(String(h1)).toBe('1:CUrLYDFnmBa:13A3sGnbCSf');
  });
});

describe('salt', () => {
  beforeAll(() => prepareXxh3(0n, 1n));

  it('computeSaltHash() is 1337', () => {
    expect(computeSaltHash()).toBe(1337n);
    expect(computeSaltHash('', '')).toBe(1337n);
  });

  it('adds xxh3(lora, 0) and xxh3(salt, 1), wrapping modulo 2^64', () => {
    const enc = new TextEncoder();
    const expected = (1337n + xxh3(enc.encode('adapter-7'), 0n) + xxh3(enc.encode('tenant-a'), 1n)) & ((1n << 64n) - 1n);
    expect(computeSaltHash('tenant-a', 'adapter-7')).toBe(expected);
  });

  it('hashes non-ASCII names as UTF-8', () => {
    expect(computeSaltHash('テナント')).toBe((1337n + xxh3(new TextEncoder().encode('テナント'), 1n)) & ((1n << 64n) - 1n));
  });

  it('a salt given as a number equals the same bigint', () => {
    expect([...computeSequenceHashes(oneToTwelve, 4, 1337)]).toEqual([...computeSequenceHashes(oneToTwelve, 4, 1337n)]);
  });
});

describe('XXH3 cross-checked with an independent implementation', () => {
  const salts = [0n, 1n, 1337n, 0xffff_ffff_ffff_ffffn, 0x0123_4567_89ab_cdefn];
  beforeAll(() => prepareXxh3(...salts, 1337n));

  it.each([1, 2, 3, 4, 8, 16, 32, 60, 64, 65, 128, 200])('block hashes at block size %i equal xxh3 of LE bytes', (bs) => {
    const tokens = Array.from({ length: bs * 3 }, (_, i) => (i * 2654435761) >>> 0);
    for (const salt of salts) {
      const expected = [0, 1, 2].map((k) => xxh3(le32(tokens.slice(k * bs, (k + 1) * bs)), salt));
      expect([...computeBlockHashes(tokens, bs, salt)]).toEqual(expected);
    }
  });

  it('the chain hashes LE64(parent) ‖ LE64(block hash) with seed 1337, whatever the salt', () => {
    const tokens = Array.from({ length: 64 }, (_, i) => i * 7);
    const salt = 0x0123_4567_89ab_cdefn;
    const blocks = computeBlockHashes(tokens, 16, salt);
    const seq = computeSequenceHashes(tokens, 16, salt);
    expect(seq[0]).toBe(blocks[0]);
    for (let k = 1; k < 4; k++) {
      const bytes = new Uint8Array(16);
      const view = new DataView(bytes.buffer);
      view.setBigUint64(0, seq[k - 1] as bigint, true);
      view.setBigUint64(8, blocks[k] as bigint, true);
      expect(seq[k]).toBe(xxh3(bytes, 1337n));
    }
  });

  it('the trailing partial block has no hash', () => {
    expect(computeBlockHashes([1, 2, 3, 4, 5, 6], 4)).toHaveLength(1);
    expect(computeSequenceHashes([1, 2, 3], 4)).toHaveLength(0);
    expect(computeSequenceHashes([], 4)).toHaveLength(0);
  });

  it('Uint32Array and Array inputs hash alike', () => {
    const tokens = Array.from({ length: 100 }, (_, i) => 4_000_000_000 - i);
    expect([...computeSequenceHashes(Uint32Array.from(tokens), 10, 5n)]).toEqual([...computeSequenceHashes(tokens, 10, 5n)]);
  });
});
