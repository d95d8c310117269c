// W10 (bench): decoding engine KV event batches — the library's VllmDecoder against the decoder a
// router author would otherwise write in JavaScript (@msgpack/msgpack, then each block's local
// hash with the fastest JS XXH3 of W1, @node-rs/xxhash). Batches in the tagged-map form current
// vLLM sends and in the positional form older ones send; 8 stored events of 4 blocks each.
import { decode, encode } from '@msgpack/msgpack';
import { VllmDecoder } from '../../ts/router/vllm';
import type { Hash64 } from './pure-ts';

const BS = 16;
export const EVENTS_PER_BATCH = 8;
export const BLOCKS_PER_EVENT = 4;

/** `n` batches of the given form, deterministic. */
export function engineBatches(n: number, form: 'map' | 'positional'): Uint8Array[] {
  const out: Uint8Array[] = [];
  let id = 1n;
  for (let b = 0; b < n; b++) {
    const events = [];
    for (let e = 0; e < EVENTS_PER_BATCH; e++) {
      const hashes = Array.from({ length: BLOCKS_PER_EVENT }, () => id++);
      const tokens = Array.from({ length: BS * BLOCKS_PER_EVENT }, (_, i) => (b * 7919 + e * 104_729 + i) % 128_000);
      events.push(
        form === 'map'
          ? {
              type: 'BlockStored',
              block_hashes: hashes,
              parent_block_hash: null,
              token_ids: tokens,
              block_size: BS,
              lora_id: null,
              medium: 'GPU',
              lora_name: null,
            }
          : ['BlockStored', hashes, null, tokens, BS, null, 'GPU', null],
      );
    }
    out.push(encode(form === 'map' ? { ts: b, events, data_parallel_rank: 0 } : [b, events, 0], { useBigInt64: true }));
  }
  return out;
}

/** The library: one decoder, every batch. Returns the blocks decoded. */
export function libraryDecode(batches: Uint8Array[]): number {
  const decoder = new VllmDecoder({ workerId: 1, blockSize: BS });
  let blocks = 0;
  for (const p of batches) for (const e of decoder.decode(p).events) if (e.type === 'stored') blocks += e.blocks.length;
  return blocks;
}

/** The straightforward JS decoder: both forms, local hashes per block. Returns the blocks decoded. */
export function pureDecode(hash: Hash64, batches: Uint8Array[]): number {
  let blocks = 0;
  const bytes = new Uint8Array(BS * 4);
  const view = new DataView(bytes.buffer);
  for (const p of batches) {
    const batch = decode(p, { useBigInt64: true }) as unknown;
    const events = (Array.isArray(batch) ? batch[1] : (batch as { events: unknown[] }).events) as unknown[];
    for (const e of events) {
      const get = (name: string, at: number): unknown => (Array.isArray(e) ? e[at] : (e as Record<string, unknown>)[name]);
      if (get('type', 0) !== 'BlockStored') continue;
      const hashes = get('block_hashes', 1) as bigint[];
      const tokens = get('token_ids', 3) as number[];
      const out = [];
      for (let k = 0; k < hashes.length; k++) {
        for (let i = 0; i < BS; i++) view.setUint32(4 * i, tokens[k * BS + i] as number, true);
        out.push({ blockHash: BigInt.asUintN(64, hashes[k] as bigint), tokensHash: hash(bytes, 1337n) });
      }
      blocks += out.length;
    }
  }
  return blocks;
}
