/**
 * The selection cost's parameters as they cross the boundary (SPEC §6.6.1; the cost and the
 * choice are computed in WebAssembly, `kvbm_sequence::router::cost`, inside one decision:
 * `kv-router/decide.ts`); and Dynamo's sequence hashes of a prompt given as local block hashes.
 *
 * Place: `ts/router/cost.ts`.
 * @module
 */

import { inputHashes } from '../runtime/validate.js';
import { check, exports, outputU64, outputU64Plain } from '../runtime/wasm.js';
import { putF64Words } from '../runtime/words.js';
import type { HashLike } from './kv-index.js';

/** The cost's parameters, resolved (Dynamo's `KvRouterConfig` names in camelCase). */
export interface CostParams {
  /** Router block size in tokens. */
  readonly blockSize: number;
  /** `overlap_score_credit`. */
  readonly overlapScoreCredit: number;
  /** `overlap_score_credit_decay`. */
  readonly overlapScoreCreditDecay: number;
  /** `prefill_load_scale`. */
  readonly prefillLoadScale: number;
  /** `host_cache_hit_weight`. */
  readonly hostCacheHitWeight: number;
  /** `disk_cache_hit_weight`. */
  readonly diskCacheHitWeight: number;
  /** `shared_cache_multiplier`. */
  readonly sharedCacheMultiplier: number;
}

/**
 * @internal Writes the cost's parameters as `COST_PARAM_WORDS` words (f64 bits, low word first)
 * at `at`; returns the position after them.
 */
export function putCostParams(out: Uint32Array, at: number, params: CostParams): number {
  let w = at;
  for (const v of [
    params.blockSize,
    params.overlapScoreCredit,
    params.overlapScoreCreditDecay,
    params.prefillLoadScale,
    params.hostCacheHitWeight,
    params.diskCacheHitWeight,
    params.sharedCacheMultiplier,
  ]) {
    putF64Words(out, w, v);
    w += 2;
  }
  return w;
}

/**
 * Dynamo's sequence hashes of a prompt given as its local block hashes
 * (`compute_seq_hash_for_block`): the first is the first local hash, then
 * `xxh3(LE64(previous) ‖ LE64(local), 1337)`. Equal to `computeSequenceHashes(tokens, …)` of the
 * tokens those local hashes came from.
 */
export function chainBlockHashes(localHashes: readonly HashLike[] | BigUint64Array): BigUint64Array {
  check(exports().kv_chain_local_hashes(inputHashes(localHashes, 'localHashes')));
  return outputU64();
}

/** @internal {@link chainBlockHashes} of validated hashes into a plain array (a router's booking keeps it). */
export function chainLocal(local: BigUint64Array): BigUint64Array {
  check(exports().kv_chain_local_hashes(inputHashes(local, 'localHashes')));
  return outputU64Plain();
}
