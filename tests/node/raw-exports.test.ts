// The raw WebAssembly exports, called with random arguments (random handles, lengths, indices,
// input contents), never trap: every call returns a status, and the module keeps working.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freshInstance, type RawExports } from '../support/raw-module';
import { EXPORTS, STATUS_INFO, Status } from '../../ts/runtime/protocol.generated';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** The module answers SPEC §1.2 through its raw exports. */
function knownAnswer(raw: RawExports): bigint {
  const ptr = raw.kv_input(12);
  new Uint32Array(raw.memory.buffer, ptr, 12).set(Array.from({ length: 12 }, (_, i) => i + 1));
  expect(raw.kv_sequence_hashes(12, 4, 1337, 0)).toBe(0);
  const ret = new Uint32Array(raw.memory.buffer, raw.kv_ret_ptr(), 16);
  return new BigUint64Array(raw.memory.buffer, ret[14], 3)[2] as bigint;
}

describe('raw exports', () => {
  it('exports only the kv_ functions, all over 32-bit integers', () => {
    const raw = freshInstance();
    const names = Object.keys(raw).filter((k) => typeof raw[k] === 'function');
    expect(names.length).toBeGreaterThan(30);
    // No intrinsic (such as __multi3, which takes a raw result pointer) is callable.
    expect(names.filter((n) => !n.startsWith('kv_'))).toEqual([]);
  });

  it("exports exactly the contract's functions, each with the contract's number of parameters", () => {
    const raw = freshInstance();
    const built = Object.keys(raw)
      .filter((k) => typeof raw[k] === 'function')
      .map((name) => [name, (raw[name] as (...a: number[]) => number).length] as const)
      .sort();
    const contract = Object.entries(EXPORTS)
      .map(([name, params]) => [name, params.length] as const)
      .sort();
    expect(built).toEqual(contract);
  });

  it('the scripts that load the module themselves (bench:lanes) call only functions it exports', () => {
    const dir = join(__dirname, '..', '..', 'scripts');
    const called = readdirSync(dir)
      .filter((f) => f.endsWith('.mjs'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/\bex\.(kv_[a-z0-9_]+)/g)].map((m) => [f, m[1] ?? ''] as const));
    expect(called.length).toBeGreaterThan(0);
    for (const [file, name] of called) expect([file, name, name in EXPORTS]).toEqual([file, name, true]);
  });

  it('every selector refuses a value it does not name the same way: InvalidArgument, "unknown <selector> <value>"', () => {
    const raw = freshInstance();
    const message = (): string => {
      const ret = new Uint32Array(raw.memory.buffer, raw.kv_ret_ptr(), 16);
      return new TextDecoder().decode(new Uint8Array(raw.memory.buffer, ret[14], ret[15]));
    };
    const refusals: [() => number, string][] = [
      [() => raw.kv_pool_new(4, 4, 0, 0, 2), 'unknown eviction policy 2: expected 0..1'],
      [() => raw.kv_engine_hashes(6, 0, 4, 0, 0, 0, 0), 'unknown engine profile 6: expected 0..5'],
      [() => raw.kv_router_hashes(0, 4, 0, 0, 2, 0), 'unknown flag 2: expected 0..1'],
    ];
    for (const [call, text] of refusals) {
      expect(call()).toBe(Status.InvalidArgument);
      expect(message()).toBe(text);
    }
  });

  it('random calls never trap and the module keeps working', () => {
    const raw = freshInstance();
    const next = rng(0xc0ffee);
    const names = Object.keys(raw).filter((k) => typeof raw[k] === 'function');
    const handles: number[][] = [];
    const arg = (): number => {
      switch (next() % 8) {
        case 0:
        case 1:
        case 2:
          return next() % 6;
        case 3:
          return next() % 64;
        case 4:
          return [0, 1, 0xffffffff, 0xfffffffe, 1 << 24, 2 ** 31][next() % 6] as number;
        default:
          return next();
      }
    };
    const counts = new Map<number, number>();
    for (let i = 0; i < 200_000; i++) {
      const name = names[next() % names.length] as string;
      const f = raw[name] as (...a: number[]) => number;
      let args = Array.from({ length: f.length }, arg);
      if (name === 'kv_input') {
        // Small, or too large to be granted; never gigabytes that would be.
        args = [next() % 2 ? next() % 512 : 2 ** 28 + 1 + (next() % 1000)];
      } else if (name === 'kv_reserve') {
        // A few MiB, or more than memory can ever hold; never gigabytes that would be granted.
        args = [next() % 2 ? next() % 8 : 4096 + (next() % 1000)];
      } else if (handles.length > 0 && args.length >= 2 && next() % 4 !== 0) {
        const h = handles[next() % handles.length] as number[];
        args[0] = h[0] as number;
        args[1] = h[1] as number;
      }
      if (name === 'kv_input' || name === 'kv_ret_ptr') {
        const ptr = f(...args);
        if (name === 'kv_input' && ptr !== 0) {
          const words = new Uint32Array(raw.memory.buffer, ptr >>> 0, args[0]);
          for (let w = 0; w < words.length; w++) words[w] = arg();
        }
        continue;
      }
      const status = f(...args);
      counts.set(status, (counts.get(status) ?? 0) + 1);
      expect(status >= 0 && status < STATUS_INFO.length, `${name}(${args}) → ${status}`).toBe(true);
      if (
        (name === 'kv_seq_new' ||
          name === 'kv_asg_new' ||
          name === 'kv_index_new' ||
          name === 'kv_index_new_approximate' ||
          name === 'kv_pool_new' ||
          name === 'kv_pool_with_ids' ||
          name === 'kv_restore') &&
        status === 0
      ) {
        const ret = new Uint32Array(raw.memory.buffer, raw.kv_ret_ptr(), 2);
        handles.push([ret[0] as number, ret[1] as number]);
      }
    }
    expect(counts.get(0)).toBeGreaterThan(1000);
    expect(knownAnswer(raw)).toBe(12583592247330656132n);
  });

  it('a stale handle is refused after its slot is reused', () => {
    const raw = freshInstance();
    expect(raw.kv_asg_new(0)).toBe(0);
    const ret = () => new Uint32Array(raw.memory.buffer, raw.kv_ret_ptr(), 16);
    const [index, generation] = [ret()[0] as number, ret()[1] as number];
    expect(raw.kv_free(index, generation)).toBe(0);
    expect(raw.kv_seq_new(0, 4, 0, 0)).toBe(0);
    expect(ret()[0]).toBe(index); // the slot is reused...
    expect(raw.kv_asg_info(index, generation)).toBe(9); // ...but the old handle is stale
    expect(raw.kv_free(index, generation)).toBe(9);
  });
});

describe('memory exhaustion', () => {
  it('running out of WebAssembly memory is an error, never a trap, and freeing recovers', () => {
    const raw = freshInstance();
    const ret = () => new Uint32Array(raw.memory.buffer, raw.kv_ret_ptr(), 16);
    const handles: [number, number][] = [];
    let status = 0;
    // Sequences of 2^28 tokens (1 GiB each) until the 4 GiB address space is full.
    for (let i = 0; i < 8 && status === 0; i++) {
      const ptr = raw.kv_input(2 ** 28);
      if (ptr === 0) {
        status = 7;
        break;
      }
      status = raw.kv_seq_new(2 ** 28, 2 ** 28, 0, 0);
      if (status === 0) handles.push([ret()[0] as number, ret()[1] as number]);
    }
    expect(status).toBe(7); // OUT_OF_MEMORY
    expect(handles.length).toBeGreaterThan(0);
    // Small calls still answer (the ballast covers their messages).
    expect(raw.kv_seq_info(99, 99)).toBe(9);
    for (const [index, generation] of handles) expect(raw.kv_free(index, generation)).toBe(0);
    expect(raw.kv_shrink_buffers()).toBe(0);
    expect(knownAnswer(raw)).toBe(12583592247330656132n);
  }, 120_000);
});
