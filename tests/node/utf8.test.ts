// The UTF-8 fallback used where the runtime has no TextEncoder/TextDecoder (Jest's jsdom
// environment) agrees with them.
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';

async function fallback(): Promise<typeof import('../../ts/runtime/utf8')> {
  vi.resetModules();
  vi.stubGlobal('TextEncoder', undefined);
  vi.stubGlobal('TextDecoder', undefined);
  try {
    return await import('../../ts/runtime/utf8');
  } finally {
    vi.unstubAllGlobals();
  }
}

describe('UTF-8 without TextEncoder and TextDecoder', () => {
  it('encodes every string as TextEncoder does (lone surrogates included)', async () => {
    const { utf8Encode } = await fallback();
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect([...utf8Encode(s)]).toEqual([...encoder.encode(s)]);
      }),
      { numRuns: 2000, seed: 9 },
    );
    expect([...utf8Encode('a\ud800b')]).toEqual([...encoder.encode('a\ud800b')]);
  });

  it('decodes valid UTF-8 as TextDecoder does', async () => {
    const { utf8Decode } = await fallback();
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(utf8Decode(encoder.encode(s))).toBe(s);
      }),
      { numRuns: 2000, seed: 9 },
    );
  });

  it('decodes each byte of an invalid sequence as U+FFFD', async () => {
    const { utf8Decode } = await fallback();
    expect(utf8Decode(new Uint8Array([0x61, 0xff, 0xc3]))).toBe('a\ufffd\ufffd');
    expect(utf8Decode(new Uint8Array([0xed, 0xa0, 0x80]))).toBe('\ufffd\ufffd\ufffd');
  });
});
