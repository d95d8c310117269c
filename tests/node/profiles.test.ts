// Other engines' block hashes (named profiles), cross-checked against independent
// implementations: cbor-x + node:crypto + hash-wasm in JS, and the engines' own Python
// libraries (cbor2, hashlib, xxhash) in tests/support/engine_oracle.py.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Encoder } from 'cbor-x';
import { createXXHash128 } from 'hash-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeEngineHashes, type EngineProfile } from 'kvbm-sequence';

const cbor = new Encoder({ tagUint8Array: false, useRecords: false });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const num = (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
let xxh128: (b: Uint8Array) => Uint8Array;

beforeAll(async () => {
  const h = await createXXHash128();
  xxh128 = (b) => {
    h.init();
    h.update(b);
    return h.digest('binary');
  };
});

function fnv(b: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const x of b) h = BigInt.asUintN(64, (h ^ BigInt(x)) * 0x100000001b3n);
  return h;
}

/** The JS oracle: each engine's recipe, with cbor-x for CBOR. */
function oracle(
  profile: EngineProfile,
  tokens: number[],
  bs: number,
  seed = '',
  model = '',
  extra: Array<(string | number)[] | null> = [],
): string[] {
  const chunks: number[][] = [];
  for (let i = 0; i + bs <= tokens.length; i += bs) chunks.push(tokens.slice(i, i + bs));
  const out: string[] = [];
  if (profile === 'vllm-sha256-cbor' || profile === 'vllm-xxhash-cbor') {
    const fn = (v: unknown) =>
      profile === 'vllm-sha256-cbor' ? new Uint8Array(createHash('sha256').update(cbor.encode(v)).digest()) : xxh128(cbor.encode(v));
    let parent = fn(seed);
    chunks.forEach((c, k) => {
      parent = fn([parent, c, extra[k] ?? null]);
      out.push(hex(parent));
    });
  } else if (profile === 'sglang') {
    let parent = new Uint8Array(0);
    for (const c of chunks) {
      const h = createHash('sha256').update(parent);
      for (const t of c) h.update(Buffer.from(new Uint32Array([t]).buffer));
      parent = new Uint8Array(h.digest());
      out.push(hex(parent));
    }
  } else {
    let parent = fnv(cbor.encode([num(fnv(new TextEncoder().encode(seed))), null, model]));
    for (const c of chunks) {
      parent = fnv(cbor.encode([num(parent), c, null]));
      out.push(parent.toString(16).padStart(16, '0'));
    }
  }
  return out;
}

function python(profile: EngineProfile, tokens: number[], bs: number, seed = '', modelName = '', extraKeys: unknown[] = []): string[] {
  const out = execFileSync('/usr/bin/python3', ['tests/support/engine_oracle.py'], {
    // 64-bit integers go to Python as JSON integers, exact.
    input: JSON.stringify({ profile, tokens, blockSize: bs, seed, modelName, extraKeys }, (_, v: unknown) =>
      typeof v === 'bigint' ? `__big${v}` : v,
    ).replace(/"__big(-?\d+)"/g, '$1'),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

const tokens = Array.from({ length: 70 }, (_, i) => (i * 104729 + 7) % 200_000);
const PROFILES: EngineProfile[] = ['vllm-sha256-cbor', 'vllm-xxhash-cbor', 'sglang', 'llm-d'];

describe('engine hash profiles', () => {
  for (const profile of PROFILES) {
    it(`${profile}: digests equal the JS oracle (cbor-x, node:crypto, hash-wasm)`, () => {
      const got = computeEngineHashes(tokens, 16, profile, { seed: '0', modelName: 'meta-llama/Llama-3.1-8B' });
      expect(got.digests.map(hex)).toEqual(oracle(profile, tokens, 16, '0', 'meta-llama/Llama-3.1-8B'));
    });

    it(`${profile}: digests equal the engine's own Python libraries`, () => {
      const got = computeEngineHashes(tokens, 16, profile, { seed: '42', modelName: 'm' });
      expect(got.digests.map(hex)).toEqual(python(profile, tokens, 16, '42', 'm'));
    });
  }

  it('vLLM extra keys (LoRA name, cache salt, multimodal identifier and offset) enter the CBOR', () => {
    const extra: Array<(string | number)[] | null> = [['my-lora'], null, ['a'.repeat(64), 3, 'salt']];
    const tupled = [['my-lora'], null, [['a'.repeat(64), -3], 'salt']];
    for (const profile of ['vllm-sha256-cbor', 'vllm-xxhash-cbor'] as const) {
      const got = computeEngineHashes(tokens, 16, profile, { seed: '0', extraKeys: tupled });
      expect(got.digests.map(hex)).toEqual(python(profile, tokens, 16, '0', '', tupled));
    }
    for (const profile of ['vllm-sha256-cbor', 'vllm-xxhash-cbor'] as const) {
      const got = computeEngineHashes(tokens, 16, profile, { seed: '0', extraKeys: extra });
      expect(got.digests.map(hex)).toEqual(oracle(profile, tokens, 16, '0', '', extra));
      expect(got.digests.map(hex)).toEqual(python(profile, tokens, 16, '0', '', extra));
    }
  });

  it('event ids are the digest bytes each engine publishes', () => {
    const v = computeEngineHashes(tokens, 16, 'vllm-sha256-cbor', { seed: '0' });
    expect(v.ids[0]).toBe(BigInt(`0x${hex(v.digests[0] as Uint8Array).slice(48)}`));
    const s = computeEngineHashes(tokens, 16, 'sglang');
    expect(s.ids[0]).toBe(BigInt(`0x${hex(s.digests[0] as Uint8Array).slice(0, 16)}`));
    const l = computeEngineHashes(tokens, 16, 'llm-d');
    expect(l.ids[0]).toBe(BigInt(`0x${hex(l.digests[0] as Uint8Array)}`));
  });

  it('continues a chain from a given parent', () => {
    for (const profile of PROFILES) {
      const whole = computeEngineHashes(tokens, 16, profile, { seed: '1' });
      const tail = computeEngineHashes(tokens.slice(32), 16, profile, { seed: '1', parent: whole.digests[1] });
      expect(tail.digests.map(hex)).toEqual(whole.digests.slice(2).map(hex));
    }
    const l = computeEngineHashes(tokens, 16, 'llm-d');
    expect(computeEngineHashes(tokens.slice(16), 16, 'llm-d', { parent: l.ids[0] }).ids[0]).toBe(l.ids[1]);
  });

  it("vllm-sha256 and vllm-xxhash (vLLM's default: pickle protocol 5) equal Python's pickle + hashlib / xxhash", () => {
    // Values that take every pickle opcode the profile writes: token ids of 1, 2 and 4 bytes
    // and above 2^31 (LONG1), blocks of 1 to 3 tokens (TUPLE1-3) and longer (MARK … TUPLE),
    // strings over 255 bytes, negative offsets, nested tuples, empty tuples.
    const ids = [0, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 7, 1000, 123456];
    const extra = [['my-lora'], null, [['a'.repeat(64), -3], 'salt'], ['x'.repeat(300), [], [['nested', -(2n ** 40n)], 2n ** 63n]]];
    for (const profile of ['vllm-sha256', 'vllm-xxhash'] as const) {
      for (const bs of [1, 2, 3, 4, 16]) {
        const got = computeEngineHashes(ids, bs, profile, { seed: '0', extraKeys: extra });
        expect(got.digests.map(hex), `${profile}, block size ${bs}`).toEqual(python(profile, ids, bs, '0', '', extra));
      }
      const long = computeEngineHashes(tokens, 16, profile, { seed: '42' });
      expect(long.digests.map(hex)).toEqual(python(profile, tokens, 16, '42'));
    }
  });

  it("llm-d's multimodal extra: the (hash, offset) items as {Hash, Offset} maps, equal to cbor2's", () => {
    const extra = [
      [['f'.repeat(64), -3], 'a-lora-name'],
      null,
      [
        ['img-1', 5],
        ['img-2', 0],
      ],
      ['only-a-string'],
    ];
    const got = computeEngineHashes(tokens, 16, 'llm-d', { seed: '7', modelName: 'm', extraKeys: extra });
    expect(got.digests.map(hex)).toEqual(python('llm-d', tokens, 16, '7', 'm', extra));
    const plain = computeEngineHashes(tokens, 16, 'llm-d', { seed: '7', modelName: 'm' });
    expect(hex(got.digests[3] as Uint8Array)).not.toBe(hex(plain.digests[3] as Uint8Array)); // chained after a tainted block
  });

  it('rejects unknown profiles, wrong parents and bad extra keys', () => {
    expect(() => computeEngineHashes(tokens, 16, 'trtllm' as EngineProfile)).toThrow(TypeError);
    expect(() => computeEngineHashes(tokens, 0, 'sglang')).toThrow(RangeError);
    expect(() => computeEngineHashes(tokens, 16, 'sglang', { parent: new Uint8Array(5) })).toThrow(TypeError);
    expect(() => computeEngineHashes(tokens, 16, 'vllm-sha256-cbor', { extraKeys: [[1.5]] })).toThrow(RangeError);
    expect(() => computeEngineHashes(tokens, 16, 'vllm-sha256-cbor', { extraKeys: [[-(2n ** 64n)]] })).toThrow(RangeError);
    expect(() => computeEngineHashes(tokens, 16, 'vllm-sha256-cbor', { seed: 5 as unknown as string })).toThrow(TypeError);
  });
});
