/**
 * The selection cost across the boundary (SPEC §6.6.1): Dynamo's newest cost and its choice,
 * computed in WebAssembly (`kvbm_sequence::router::cost`); and Dynamo's sequence hashes of a
 * prompt given as local block hashes.
 *
 * Place: `ts/router/cost.ts`.
 * @module
 */

import { COST_CANDIDATE_WORDS, COST_PARAM_WORDS } from '../runtime/protocol.generated.js';
import { inputHashes } from '../runtime/validate.js';
import { check, exports, inputView, outputU32, outputU64, ret } from '../runtime/wasm.js';
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

/** One candidate's inputs to the cost. */
export interface CostCandidate {
  /** Prefill tokens queued on it. */
  readonly prefillTokens: number;
  /** Its active blocks plus this request's blocks not among them. */
  readonly decodeBlocks: number;
  /** Leading blocks on the device. */
  readonly device: number;
  /** Further leading blocks on the host tier. */
  readonly host: number;
  /** Further leading blocks on disk and external tiers. */
  readonly disk: number;
  /** Blocks a shared cache holds at or beyond `device`. */
  readonly sharedBeyond: number;
  /** Ties at temperature 0 go to the lowest key (the tree size, classic), then to the draw. */
  readonly tieKey: number;
}

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

/**
 * Every candidate's cost and the chosen one's position (`-1` without candidates). `draw` is a
 * uniform number in [0, 1) that breaks ties (temperature 0) or samples (temperature > 0).
 */
export function chooseByCost(
  params: CostParams,
  isl: number,
  candidates: readonly CostCandidate[],
  temperature: number,
  draw: number,
): { costs: number[]; chosen: number } {
  const words = COST_PARAM_WORDS + candidates.length * COST_CANDIDATE_WORDS;
  const out = inputView(words);
  let w = 0;
  const put = (v: number): void => {
    f64[0] = v;
    out[w++] = f64Words[0] as number;
    out[w++] = f64Words[1] as number;
  };
  put(params.blockSize);
  put(params.overlapScoreCredit);
  put(params.overlapScoreCreditDecay);
  put(params.prefillLoadScale);
  put(params.hostCacheHitWeight);
  put(params.diskCacheHitWeight);
  put(params.sharedCacheMultiplier);
  for (const c of candidates) {
    put(c.prefillTokens);
    put(c.decodeBlocks);
    put(c.device);
    put(c.host);
    put(c.disk);
    put(c.sharedBeyond);
    out[w++] = c.tieKey >>> 0;
    out[w++] = Math.floor(c.tieKey / 2 ** 32) >>> 0;
  }
  check(exports().kv_router_choose(words, isl, temperature, draw));
  const chosen = ret(0) === 1 ? ret(1) : -1;
  const bits = outputU32();
  const costs = new Array<number>(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    f64Words[0] = bits[2 * i] as number;
    f64Words[1] = bits[2 * i + 1] as number;
    costs[i] = f64[0] as number;
  }
  return { costs, chosen };
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
