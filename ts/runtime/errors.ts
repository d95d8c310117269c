/**
 * Errors: the SPEC §5 kinds as {@link BlockSequenceError}, everything else as `TypeError` or
 * `RangeError` — which one, and the fields, as the contract's status table says.
 *
 * Place: `ts/runtime/errors.ts`.
 * @module
 */

import { Status, STATUS_INFO, type FieldLayout, type KvbmErrorKind } from './protocol.generated.js';
import { joinWords } from './words.js';

/** The kinds of {@link BlockSequenceError} (the contract's statuses of class `kvbm`). */
export type BlockSequenceErrorKind = KvbmErrorKind;

/** Why a token operation failed (`kind === 'TokenExtension'`). */
export type TokenExtensionReason = 'Full' | 'Incomplete' | 'Empty' | 'InsufficientTokens';

/** Fields of each kind of {@link BlockSequenceError}. */
export interface BlockSequenceErrorFields {
  /** `OrderingViolation`: the known id found after a new one. */
  knownId?: number;
  /** `OrderingViolation`: the first new id of the list. */
  newId?: number;
  /** `OrderingViolation`: index of `knownId` in the list. */
  knownIndex?: number;
  /** `OrderingViolation`: index of `newId` in the list. */
  firstNewIndex?: number;
  /** `PositionMismatch`: the position the block would be staged at. */
  expected?: number;
  /** `PositionMismatch`: the position the block carries. */
  actual?: number;
  /** `PositionMismatch`, `DuplicateBlockId`: the block id concerned. */
  blockId?: number;
  /** `TokenExtension`: why. */
  reason?: TokenExtensionReason;
  /** `PoolExhausted`: blocks asked for. */
  requested?: number;
  /** `PoolExhausted`: free plus evictable blocks. */
  available?: number;
  /** `InvalidBlockState`: the block's state. */
  state?: 'free' | 'active' | 'inactive' | 'registered';
  /** `InvalidBlockState`: what was asked. */
  operation?: 'release' | 'register';
  /** `BindingMismatch`: the bound block size. */
  expectedBlockSize?: number;
  /** `BindingMismatch`: the bound salt. */
  expectedSaltHash?: bigint;
  /** `BindingMismatch`: the block size given. */
  blockSize?: number;
  /** `BindingMismatch`: the salt given. */
  saltHash?: bigint;
  /** `UnknownWorker`: the worker's id. */
  workerId?: bigint;
  /** `UnknownWorker`: its data-parallel rank. */
  dpRank?: number;
}

/** The fields each kind of {@link BlockSequenceError} carries (always set on errors the library throws). */
export interface BlockSequenceErrorFieldsByKind {
  /** A known id after a new one in an id list. */
  OrderingViolation: { knownId: number; newId: number; knownIndex: number; firstNewIndex: number };
  /** A block staged at a position other than its own. */
  PositionMismatch: { expected: number; actual: number; blockId: number };
  /** An id given twice. */
  DuplicateBlockId: { blockId: number };
  /** A token operation that cannot be done. */
  TokenExtension: { reason: TokenExtensionReason };
  /** A pool without enough free or evictable blocks. */
  PoolExhausted: { requested: number; available: number };
  /** An id the pool does not have. */
  UnknownBlockId: { blockId: number };
  /** A pool block in the wrong state for the operation. */
  InvalidBlockState: { blockId: number; state: 'free' | 'active' | 'inactive' | 'registered'; operation: 'release' | 'register' };
  /** A record bound to another block size or salt. */
  BindingMismatch: { expectedBlockSize: number; expectedSaltHash: bigint; blockSize: number; saltHash: bigint };
  /** A load tracker's worker that was never added, or was removed. */
  UnknownWorker: { workerId: bigint; dpRank: number };
}

/** The class behind {@link BlockSequenceError}: every field optional (the union narrows them). */
class BlockSequenceErrorBase extends Error implements BlockSequenceErrorFields {
  /** Which rule was broken. */
  readonly kind: BlockSequenceErrorKind;
  /** See {@link BlockSequenceErrorFields.knownId}. */
  readonly knownId?: number;
  /** See {@link BlockSequenceErrorFields.newId}. */
  readonly newId?: number;
  /** See {@link BlockSequenceErrorFields.knownIndex}. */
  readonly knownIndex?: number;
  /** See {@link BlockSequenceErrorFields.firstNewIndex}. */
  readonly firstNewIndex?: number;
  /** See {@link BlockSequenceErrorFields.expected}. */
  readonly expected?: number;
  /** See {@link BlockSequenceErrorFields.actual}. */
  readonly actual?: number;
  /** See {@link BlockSequenceErrorFields.blockId}. */
  readonly blockId?: number;
  /** See {@link BlockSequenceErrorFields.reason}. */
  readonly reason?: TokenExtensionReason;
  /** See {@link BlockSequenceErrorFields.requested}. */
  readonly requested?: number;
  /** See {@link BlockSequenceErrorFields.available}. */
  readonly available?: number;
  /** See {@link BlockSequenceErrorFields.state}. */
  readonly state?: 'free' | 'active' | 'inactive' | 'registered';
  /** See {@link BlockSequenceErrorFields.operation}. */
  readonly operation?: 'release' | 'register';
  /** See {@link BlockSequenceErrorFields.expectedBlockSize}. */
  readonly expectedBlockSize?: number;
  /** See {@link BlockSequenceErrorFields.expectedSaltHash}. */
  readonly expectedSaltHash?: bigint;
  /** See {@link BlockSequenceErrorFields.blockSize}. */
  readonly blockSize?: number;
  /** See {@link BlockSequenceErrorFields.saltHash}. */
  readonly saltHash?: bigint;
  /** See {@link BlockSequenceErrorFields.workerId}. */
  readonly workerId?: bigint;
  /** See {@link BlockSequenceErrorFields.dpRank}. */
  readonly dpRank?: number;

  /** Builds an error of `kind` with its SPEC message and fields. */
  constructor(kind: BlockSequenceErrorKind, message: string, fields: BlockSequenceErrorFields = {}) {
    super(message);
    this.name = 'BlockSequenceError';
    this.kind = kind;
    Object.assign(this, fields);
  }

  /** `{ name, kind, message, ...fields }`, 64-bit fields as decimal strings. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, kind: this.kind, message: this.message };
    for (const [k, v] of Object.entries(this)) if (k !== 'name' && k !== 'kind') out[k] = typeof v === 'bigint' ? v.toString() : v;
    return out;
  }
}
Object.defineProperty(BlockSequenceErrorBase, 'name', { value: 'BlockSequenceError' });

/**
 * An operation refused by the SPEC's rules; the object it was called on is unchanged. A union
 * discriminated by `kind`: after `e instanceof BlockSequenceError && e.kind === 'DuplicateBlockId'`,
 * `e.blockId` is a `number`.
 */
export type BlockSequenceError = {
  [K in BlockSequenceErrorKind]: BlockSequenceErrorBase & { readonly kind: K } & Readonly<BlockSequenceErrorFieldsByKind[K]>;
}[BlockSequenceErrorKind];

/** The constructor of {@link BlockSequenceError}. */
export interface BlockSequenceErrorConstructor {
  /** Builds an error of `kind` with its message and fields. */
  new <K extends BlockSequenceErrorKind>(
    kind: K,
    message: string,
    fields?: BlockSequenceErrorFields,
  ): Extract<BlockSequenceError, { readonly kind: K }>;
  /** Errors of every kind share it (`instanceof` narrows to the union). */
  readonly prototype: BlockSequenceError;
}

/** An operation refused by the SPEC's rules (see the type {@link BlockSequenceError}). */
export const BlockSequenceError = BlockSequenceErrorBase as unknown as BlockSequenceErrorConstructor;

/** The error for a non-zero status, its fields in return words `w` and its text `message`. */
export function errorFromStatus(status: number, w: readonly number[], text: string): Error {
  const info = STATUS_INFO[status];
  // Out of memory before anything was done comes without a message (none could be allocated).
  const message = text || (status === Status.OutOfMemory ? 'kvbm-sequence: out of WebAssembly memory' : `status ${status}`);
  switch (info?.class) {
    case 'kvbm':
      return new BlockSequenceError(info.name as BlockSequenceErrorKind, message, fieldsOf(info.fields, w));
    case 'range':
      return new RangeError(message);
    case 'type':
      return new TypeError(message);
    default:
      return new Error(`kvbm-sequence: unexpected status ${status}: ${message}`);
  }
}

/** The error fields laid out as the contract says, read from return words `w`. */
function fieldsOf(layout: readonly FieldLayout[], w: readonly number[]): BlockSequenceErrorFields {
  const fields: Record<string, number | bigint | string> = {};
  let at = 0;
  for (const f of layout) {
    const word = w[at] ?? 0;
    if (f.type === 'u64') {
      fields[f.name] = joinWords(word, w[at + 1] ?? 0);
      at += 2;
    } else {
      fields[f.name] = f.type === 'name' ? (f.names[word] ?? (f.names[0] as string)) : word;
      at += 1;
    }
  }
  return fields as BlockSequenceErrorFields;
}
