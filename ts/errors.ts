/**
 * Errors: the SPEC §5 kinds as {@link BlockSequenceError}, everything else as `TypeError` or
 * `RangeError`.
 * @module
 */

/** The kinds of {@link BlockSequenceError}. */
export type BlockSequenceErrorKind =
  | 'OrderingViolation'
  | 'PositionMismatch'
  | 'DuplicateBlockId'
  | 'TokenExtension';

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
}

/** An operation refused by the SPEC's rules; the object it was called on is unchanged. */
export class BlockSequenceError extends Error implements BlockSequenceErrorFields {
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

  /** Builds an error of `kind` with its SPEC message and fields. */
  constructor(kind: BlockSequenceErrorKind, message: string, fields: BlockSequenceErrorFields = {}) {
    super(message);
    this.name = 'BlockSequenceError';
    this.kind = kind;
    Object.assign(this, fields);
  }
}

const REASONS: readonly TokenExtensionReason[] = ['Full', 'Incomplete', 'Empty', 'InsufficientTokens'];

/** Status codes of `crate/src/abi.rs` (module `code`). */
const enum Status {
  OrderingViolation = 1,
  PositionMismatch = 2,
  DuplicateBlockId = 3,
  TokenExtension = 4,
  PositionOverflow = 5,
  InvalidBlockSize = 6,
  OutOfMemory = 7,
  InvalidLineageHash = 8,
  InvalidHandle = 9,
  WrongHandleKind = 10,
  InvalidArgument = 11,
}

/** The error for a non-zero status, its fields in return words `w` and its text `message`. */
export function errorFromStatus(status: number, w: readonly number[], text: string): Error {
  const at = (i: number): number => w[i] ?? 0;
  // Out of memory before anything was done comes without a message (none could be allocated).
  const message = text || (status === Status.OutOfMemory ? 'kvbm-sequence: out of WebAssembly memory' : `status ${status}`);
  switch (status) {
    case Status.OrderingViolation:
      return new BlockSequenceError('OrderingViolation', message, {
        knownId: at(0),
        newId: at(1),
        knownIndex: at(2),
        firstNewIndex: at(3),
      });
    case Status.PositionMismatch:
      return new BlockSequenceError('PositionMismatch', message, {
        expected: at(0),
        actual: at(1),
        blockId: at(2),
      });
    case Status.DuplicateBlockId:
      return new BlockSequenceError('DuplicateBlockId', message, { blockId: at(0) });
    case Status.TokenExtension:
      return new BlockSequenceError('TokenExtension', message, { reason: REASONS[at(0)] ?? 'Full' });
    case Status.PositionOverflow:
    case Status.InvalidBlockSize:
    case Status.OutOfMemory:
    case Status.InvalidLineageHash:
    case Status.InvalidArgument:
      return new RangeError(message);
    case Status.InvalidHandle:
    case Status.WrongHandleKind:
      return new TypeError(message);
    default:
      return new Error(`kvbm-sequence: unexpected status ${status}: ${message}`);
  }
}
