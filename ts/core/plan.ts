/**
 * Planning across tiers (SPEC §4).
 *
 * Place: `ts/core/plan.ts`.
 * @module
 */

import { ExternalBlockAssignments } from './assignments.js';
import { instance } from '../runtime/validate.js';
import { check, exports, outputU32Parts, ret } from '../runtime/wasm.js';
import { jsonReady } from '../runtime/json.js';

/**
 * A plan: entry i says "at position `positions[i]`, tier one holds `src[i]`, tier two `dst[i]`".
 * Each array owns its buffer (transferable on its own).
 */
export interface Plan {
  /** Absolute positions, ascending. */
  readonly positions: Uint32Array;
  /** The first tier's ids (the source of a transfer). */
  readonly src: Uint32Array;
  /** The second tier's ids (the destination of a transfer). */
  readonly dst: Uint32Array;
}

function zip(a: unknown, b: unknown, pending: boolean, names: [string, string]): Plan {
  const [ai, ag] = instance(a, ExternalBlockAssignments, names[0]).handle();
  const [bi, bg] = instance(b, ExternalBlockAssignments, names[1]).handle();
  const raw = exports();
  check(pending ? raw.kv_zip_assigned_pending(ai, ag, bi, bg) : raw.kv_zip_assigned(ai, ag, bi, bg));
  const n = ret(0);
  // Three arrays, each with its own buffer, so each can be transferred to a worker on its own.
  const [positions, src, dst] = outputU32Parts([n, n, n]) as [Uint32Array, Uint32Array, Uint32Array];
  return jsonReady({ positions, src, dst });
}

/** The positions where both `a` and `b` hold an assigned block, ascending, with both ids. */
export function zipAssigned(a: ExternalBlockAssignments, b: ExternalBlockAssignments): Plan {
  return zip(a, b, false, ['a', 'b']);
}

/**
 * The transfer plan: positions where `src` holds an assigned block and `dst` a pending
 * (unassigned) id. Copy each `src` block into its `dst` block, then call
 * `dst.assignPending(sequence)`.
 */
export function zipAssignedPending(src: ExternalBlockAssignments, dst: ExternalBlockAssignments): Plan {
  return zip(src, dst, true, ['src', 'dst']);
}
