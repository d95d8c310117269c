// SPEC §1.1: the lineage hash as a JavaScript value.
import { describe, expect, it } from 'vitest';
import { SequenceHash } from 'kvbm-sequence';

const built = () => SequenceHash.fromParts({ position: 100, currentHash: 0x1234567890abcdefn, parentHash: 0xfedcba9876543210n });

describe('SequenceHash', () => {
  it('built from parts matches the SPEC value', () => {
    expect(built().toBigInt()).toBe(0x19048d159e242af37bdcba9876543210n);
  });

  it('exposes position, current hash, parent fragment and mode', () => {
    const h = built();
    expect(h.position).toBe(100);
    expect(h.currentHash).toBe(0x1234567890abcdefn);
    expect(h.parentFragment).toBe(0xfedcba9876543210n & ((1n << 54n) - 1n));
    expect(h.mode).toBe(0);
  });

  it.each([
    [255, 0, 54n],
    [256, 1, 46n],
    [65535, 1, 46n],
    [65536, 2, 38n],
    [2 ** 24 - 1, 2, 38n],
  ])('position %i uses mode %i and keeps %i parent bits', (position, mode, bits) => {
    const h = SequenceHash.fromParts({ position, currentHash: 0xffff_ffff_ffff_ffffn, parentHash: 0xffff_ffff_ffff_ffffn });
    expect(h.position).toBe(position);
    expect(h.mode).toBe(mode);
    expect(h.currentHash).toBe(0xffff_ffff_ffff_ffffn);
    expect(h.parentFragment).toBe((1n << bits) - 1n);
  });

  it('block 0 has parent fragment 0 and a two-part text form', () => {
    const h = SequenceHash.fromParts({ position: 0, currentHash: 14643705804678351452n });
    expect(h.parentFragment).toBe(0n);
    expect(h.toString()).toBe('0:azWbh91idkf');
  });

  it('position 2^24 is a RangeError', () => {
    expect(() => SequenceHash.fromParts({ position: 2 ** 24, currentHash: 1n })).toThrow(RangeError);
  });

  it('round-trips through bigint and bytes', () => {
    const h = built();
    expect(SequenceHash.fromBigInt(h.toBigInt()).equals(h)).toBe(true);
    expect(SequenceHash.fromBytes(h.toBytes()).equals(h)).toBe(true);
  });

  it('keeps words with the top bit set exact in every form', () => {
    // Position 2^24 - 1 and all-ones hashes: every 32-bit word of the raw value is >= 2^31.
    const h = SequenceHash.fromParts({ position: 2 ** 24 - 1, currentHash: 2n ** 64n - 1n, parentHash: 2n ** 64n - 1n });
    const raw = h.toBigInt();
    expect(raw >> 96n).toBeGreaterThanOrEqual(2n ** 31n);
    expect(raw & 0xffff_ffffn).toBeGreaterThanOrEqual(2n ** 31n);
    expect(SequenceHash.fromBigInt(raw).equals(h)).toBe(true);
    expect(SequenceHash.fromBytes(h.toBytes()).toBigInt()).toBe(raw);
    expect(h.currentHash).toBe(2n ** 64n - 1n);
    expect(SequenceHash.parse(h.toString()).equals(h)).toBe(true);
  });

  it('bytes are the raw value big-endian', () => {
    const bytes = built().toBytes();
    expect(bytes).toHaveLength(16);
    expect(bytes[0]).toBe(0x19);
    expect(bytes[15]).toBe(0x10);
  });

  it('rejects raw values with mode 3 or a non-canonical mode', () => {
    expect(() => SequenceHash.fromBigInt(3n << 126n)).toThrow(RangeError);
    expect(() => SequenceHash.fromBigInt((1n << 126n) | (5n << 110n))).toThrow(/not the canonical mode/);
    expect(() => SequenceHash.fromBigInt(-1n)).toThrow(RangeError);
    expect(() => SequenceHash.fromBigInt(1n << 128n)).toThrow(RangeError);
  });

  it('orders by position, then current hash, then raw value', () => {
    const a = SequenceHash.fromParts({ position: 1, currentHash: 9n });
    const b = SequenceHash.fromParts({ position: 2, currentHash: 1n });
    const c = SequenceHash.fromParts({ position: 2, currentHash: 2n });
    const d = SequenceHash.fromParts({ position: 2, currentHash: 2n, parentHash: 1n });
    const sorted = [d, c, b, a].sort((x, y) => x.compare(y));
    expect(sorted).toEqual([a, b, c, d]);
    expect(c.compare(c)).toBe(0);
  });

  it('equality is by value', () => {
    expect(built().equals(built())).toBe(true);
    expect(built().equals(SequenceHash.fromParts({ position: 101, currentHash: 1n }))).toBe(false);
  });
});

describe('SequenceHash text round trip', () => {
  it('parses its own text form, block 0 and later blocks', () => {
    for (const text of ['0:azWbh91idkf', '1:CUrLYDFnmBa:13A3sGnbCSf']) {
      expect(SequenceHash.parse(text).toString()).toBe(text);
    }
    const h = SequenceHash.fromBigInt(0x00aba8799e9b2033e122b2379d6d3c3dn);
    expect(SequenceHash.parse(String(h)).equals(h)).toBe(true);
  });

  it('travels through JSON as its text form', () => {
    const h = SequenceHash.parse('1:CUrLYDFnmBa:13A3sGnbCSf');
    const back = JSON.parse(JSON.stringify({ h }), (k, v) => (k === 'h' ? SequenceHash.parse(v) : v));
    expect(back.h.equals(h)).toBe(true);
  });

  it('refuses text that is not exactly a text form', () => {
    for (const bad of [
      '',
      '0',
      'x:azWbh91idkf',
      '0:azWbh91idkf:13A3sGnbCSf',
      '1:CUrLYDFnmBa',
      '0:0OIl',
      '16777216:azWbh91idkf',
      '01:CUrLYDFnmBa:13A3sGnbCSf',
      5,
    ]) {
      expect(() => SequenceHash.parse(bad as string), String(bad)).toThrow(TypeError);
    }
  });
});
