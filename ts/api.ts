/**
 * The public API, shared by the Node and browser entries.
 * @module
 */

export { ExternalBlockAssignments, type BlockAssignment } from './assignments.js';
export { BlockSequence, BlockSequenceSlice, type BlockInfo, type BlocksLike, type Range } from './block-sequence.js';
export {
  BlockSequenceError,
  type BlockSequenceErrorFields,
  type BlockSequenceErrorKind,
  type TokenExtensionReason,
} from './errors.js';
export { computeBlockHashes, computeSaltHash, computeSequenceHashes } from './hash.js';
export { zipAssigned, zipAssignedPending, type Plan } from './plan.js';
export { SequenceHash } from './sequence-hash.js';
export { init, initSync, memoryStats, type InitInput, type MemoryStats } from './init.js';
