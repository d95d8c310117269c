//! The block sequence (SPEC §2): tokens cut into fixed-size blocks, each complete block hashed
//! once, the remainder kept as the partial block.
//!
//! Place: `crate/kvbm-sequence/src/sequence/block_sequence.rs`.

use crate::error::{try_reserve, Error, Result, TokenExtensionReason};
use crate::hashing::lineage::{SequenceHash, POSITION_LIMIT};
use crate::hashing::{block_hash, sequence_hash};
use std::ops::Range;

/// One complete block: its hashes and, inside its lineage hash, its position.
///
/// A block does not copy its tokens; [`BlockSequence::block_tokens`] reads them from the sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    block_hash: u64,
    // The sequence hash is inside: 24 bytes per block rather than 32 with it kept whole
    // (reading it back is one constant 128-bit shift).
    lineage: SequenceHash,
}

impl Block {
    /// The block's position in its sequence.
    pub fn position(&self) -> u64 {
        self.lineage.position()
    }

    /// XXH3 of the block's own tokens, seeded with the salt.
    pub fn block_hash(&self) -> u64 {
        self.block_hash
    }

    /// The chained hash naming the whole prefix up to and including this block.
    pub fn sequence_hash(&self) -> u64 {
        self.lineage.current_hash()
    }

    /// The 128-bit lineage hash.
    pub fn lineage_hash(&self) -> SequenceHash {
        self.lineage
    }
}

/// A token sequence with its complete blocks and its partial tail block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSequence {
    tokens: Vec<u32>,
    blocks: Vec<Block>,
    block_size: usize,
    salt_hash: u64,
}

impl BlockSequence {
    /// A sequence of `tokens` cut into blocks of `block_size`, hashed with `salt_hash`.
    ///
    /// Fails for a block size of 0, and where a block would sit at position 2^24 or beyond.
    pub fn new(tokens: &[u32], block_size: usize, salt_hash: u64) -> Result<Self> {
        if block_size == 0 {
            return Err(Error::InvalidBlockSize);
        }
        let mut sequence = BlockSequence {
            tokens: Vec::new(),
            blocks: Vec::new(),
            block_size,
            salt_hash,
        };
        sequence.extend_tokens(tokens)?;
        Ok(sequence)
    }

    /// Appends `tokens`; returns the indices of the blocks they completed, or `None`.
    ///
    /// Fails, changing nothing, where a completed block would sit at position 2^24 or beyond, or
    /// where memory for the tokens cannot be had.
    pub fn extend_tokens(&mut self, tokens: &[u32]) -> Result<Option<Range<usize>>> {
        let total = self.tokens.len() as u64 + tokens.len() as u64;
        let complete = total / self.block_size as u64;
        if complete > POSITION_LIMIT {
            return Err(Error::PositionOverflow {
                position: POSITION_LIMIT,
            });
        }
        let start = self.blocks.len();
        let end = complete as usize;
        try_reserve(&mut self.tokens, tokens.len())?;
        try_reserve(&mut self.blocks, end - start)?;
        self.tokens.extend_from_slice(tokens);
        for index in start..end {
            self.blocks.push(self.hash_block(index));
        }
        Ok(if end > start { Some(start..end) } else { None })
    }

    /// Hashes block `index`, whose tokens are present and whose predecessors are hashed.
    fn hash_block(&self, index: usize) -> Block {
        let tokens = &self.tokens[index * self.block_size..(index + 1) * self.block_size];
        let bh = block_hash(tokens, self.salt_hash);
        let parent = index.checked_sub(1).map(|p| self.blocks[p].sequence_hash());
        let current = sequence_hash(parent, bh);
        let lineage = SequenceHash::new(current, parent.unwrap_or(0), index as u64)
            .unwrap_or_else(|_| position_unchecked());
        Block {
            block_hash: bh,
            lineage,
        }
    }

    /// Makes room for `tokens` more tokens (and their blocks) at once, so that appending them
    /// one by one does not grow the storage in doubling steps. Fails with `OutOfMemory`,
    /// changing nothing.
    pub fn reserve_tokens(&mut self, tokens: usize) -> Result<()> {
        let blocks = tokens / self.block_size + 1;
        self.tokens
            .try_reserve_exact(tokens)
            .map_err(crate::error::out_of_memory(tokens))?;
        self.blocks
            .try_reserve_exact(blocks)
            .map_err(crate::error::out_of_memory(blocks))
    }

    /// Appends one token; returns the index of the block it completed, or `None`.
    pub fn append_token(&mut self, token: u32) -> Result<Option<usize>> {
        Ok(self.extend_tokens(&[token])?.map(|range| range.start))
    }

    /// Keeps the first `len` tokens (a no-op when `len >= total_tokens`). Blocks that lose tokens
    /// are removed; their surviving tokens form the partial block again.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.tokens.len() {
            return;
        }
        self.tokens.truncate(len);
        self.blocks.truncate(len / self.block_size);
    }

    /// Removes the last `count` tokens; fails with `InsufficientTokens`, changing nothing, when
    /// the sequence holds fewer.
    pub fn unwind(&mut self, count: usize) -> Result<()> {
        let remaining = self
            .tokens
            .len()
            .checked_sub(count)
            .ok_or(Error::TokenExtension(
                TokenExtensionReason::InsufficientTokens,
            ))?;
        self.truncate(remaining);
        Ok(())
    }

    /// Removes and returns the last token, or `None` for an empty sequence.
    pub fn pop(&mut self) -> Option<u32> {
        let last = *self.tokens.last()?;
        self.truncate(self.tokens.len() - 1);
        Some(last)
    }

    /// Tokens per block.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// The salt hash the blocks are hashed with.
    pub fn salt_hash(&self) -> u64 {
        self.salt_hash
    }

    /// All tokens, complete blocks and partial block.
    pub fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// Number of tokens.
    pub fn total_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// Number of complete blocks.
    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// The complete blocks; entry `i` is the block at position `i`. Sub-slices of it are what the
    /// assignment layer stages from.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Complete block `index`, if there is one.
    pub fn block(&self, index: usize) -> Option<&Block> {
        self.blocks.get(index)
    }

    /// The tokens of complete block `index`, if there is one.
    pub fn block_tokens(&self, index: usize) -> Option<&[u32]> {
        if index >= self.blocks.len() {
            return None;
        }
        Some(&self.tokens[index * self.block_size..(index + 1) * self.block_size])
    }

    /// The tokens of the partial block (fewer than `block_size`).
    pub fn partial_tokens(&self) -> &[u32] {
        &self.tokens[self.blocks.len() * self.block_size..]
    }

    /// Block hashes of all complete blocks, in order.
    pub fn block_hashes(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.blocks.iter().map(Block::block_hash)
    }

    /// Sequence hashes of all complete blocks, in order.
    pub fn sequence_hashes(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.blocks.iter().map(Block::sequence_hash)
    }

    /// Lineage hashes of all complete blocks, in order.
    pub fn lineage_hashes(&self) -> impl ExactSizeIterator<Item = SequenceHash> + '_ {
        self.blocks.iter().map(Block::lineage_hash)
    }
}

/// Where a block position reached hashing unchecked. Never called: `extend_tokens` refuses
/// positions of `POSITION_LIMIT` or more before it hashes. A plain message, not the error's
/// `Debug` form (`expect` would link the formatting of every error variant into the module).
#[cold]
fn position_unchecked() -> ! {
    unreachable!("positions are checked against POSITION_LIMIT before hashing")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::compute_sequence_hashes;

    fn seq(n: u32, block_size: usize) -> BlockSequence {
        let tokens: Vec<u32> = (1..=n).collect();
        BlockSequence::new(&tokens, block_size, 1337).unwrap()
    }

    #[test]
    fn aligned_sequence_has_only_complete_blocks() {
        let s = seq(12, 4);
        assert_eq!(s.block_count(), 3);
        assert!(s.partial_tokens().is_empty());
        assert_eq!(
            s.sequence_hashes().collect::<Vec<_>>(),
            vec![
                14643705804678351452,
                4945711292740353085,
                12583592247330656132
            ]
        );
    }

    #[test]
    fn partial_sequence_keeps_the_remainder_as_the_partial_block() {
        let s = seq(14, 4);
        assert_eq!(s.block_count(), 3);
        assert_eq!(s.partial_tokens(), &[13, 14]);
        assert_eq!(s.total_tokens(), 14);
    }

    #[test]
    fn blocks_carry_their_positions_and_lineage_hashes() {
        let s = seq(12, 4);
        for (i, block) in s.blocks().iter().enumerate() {
            assert_eq!(block.position(), i as u64);
        }
        assert_eq!(
            s.block(1).unwrap().lineage_hash().raw(),
            0x005128ac8de75b4f0f78e4d7fb2dca5c
        );
        assert_eq!(s.block_tokens(2), Some(&[9u32, 10, 11, 12][..]));
        assert_eq!(s.block_tokens(3), None);
    }

    #[test]
    fn block_size_zero_is_an_error() {
        assert_eq!(BlockSequence::new(&[1], 0, 0), Err(Error::InvalidBlockSize));
    }

    #[test]
    fn extend_returns_the_range_of_completed_blocks() {
        let mut s = seq(3, 4);
        assert_eq!(s.extend_tokens(&[4, 5, 6, 7, 8, 9]).unwrap(), Some(0..2));
        assert_eq!(s.partial_tokens(), &[9]);
        assert_eq!(s.extend_tokens(&[10]).unwrap(), None);
    }

    #[test]
    fn extend_by_nothing_returns_none() {
        let mut s = seq(4, 4);
        assert_eq!(s.extend_tokens(&[]).unwrap(), None);
        assert_eq!(s.block_count(), 1);
    }

    #[test]
    fn append_returns_the_block_it_completed() {
        let mut s = seq(2, 4);
        assert_eq!(s.append_token(3).unwrap(), None);
        assert_eq!(s.append_token(4).unwrap(), Some(0));
        assert!(s.partial_tokens().is_empty());
    }

    #[test]
    fn building_extending_and_appending_give_identical_hashes() {
        let tokens: Vec<u32> = (0..103).map(|i| i * 7919).collect();
        let whole = BlockSequence::new(&tokens, 5, 42).unwrap();
        let mut chunks = BlockSequence::new(&[], 5, 42).unwrap();
        for chunk in tokens.chunks(7) {
            chunks.extend_tokens(chunk).unwrap();
        }
        let mut one_by_one = BlockSequence::new(&[], 5, 42).unwrap();
        for &t in &tokens {
            one_by_one.append_token(t).unwrap();
        }
        assert_eq!(whole, chunks);
        assert_eq!(whole, one_by_one);
        assert_eq!(
            whole.sequence_hashes().collect::<Vec<_>>(),
            compute_sequence_hashes(&tokens, 5, 42).unwrap()
        );
    }

    #[test]
    fn truncate_beyond_the_end_is_a_no_op() {
        let mut s = seq(10, 4);
        s.truncate(10);
        s.truncate(99);
        assert_eq!(s.total_tokens(), 10);
    }

    #[test]
    fn truncate_into_a_block_turns_its_survivors_into_the_partial_block() {
        let mut s = seq(12, 4);
        let first = *s.block(0).unwrap();
        s.truncate(6);
        assert_eq!(s.block_count(), 1);
        assert_eq!(s.partial_tokens(), &[5, 6]);
        assert_eq!(*s.block(0).unwrap(), first);
    }

    #[test]
    fn truncate_then_reextend_restores_the_same_hashes() {
        let original = seq(20, 4);
        let mut s = original.clone();
        s.truncate(7);
        s.extend_tokens(&(8..=20).collect::<Vec<_>>()).unwrap();
        assert_eq!(s, original);
    }

    #[test]
    fn unwind_removes_tokens_from_the_end() {
        let mut s = seq(12, 4);
        s.unwind(5).unwrap();
        assert_eq!(s.total_tokens(), 7);
        assert_eq!(s.block_count(), 1);
    }

    #[test]
    fn unwind_more_than_total_fails_and_changes_nothing() {
        let mut s = seq(12, 4);
        let before = s.clone();
        assert_eq!(
            s.unwind(13),
            Err(Error::TokenExtension(
                TokenExtensionReason::InsufficientTokens
            ))
        );
        assert_eq!(s, before);
    }

    #[test]
    fn unwind_everything_leaves_an_empty_sequence() {
        let mut s = seq(12, 4);
        s.unwind(12).unwrap();
        assert_eq!(s.total_tokens(), 0);
        assert_eq!(s.block_count(), 0);
    }

    #[test]
    fn pop_returns_the_last_token_and_uncompletes_its_block() {
        let mut s = seq(8, 4);
        assert_eq!(s.pop(), Some(8));
        assert_eq!(s.block_count(), 1);
        assert_eq!(s.partial_tokens(), &[5, 6, 7]);
    }

    #[test]
    fn pop_of_an_empty_sequence_is_none() {
        let mut s = BlockSequence::new(&[], 4, 0).unwrap();
        assert_eq!(s.pop(), None);
    }

    #[test]
    fn a_block_at_position_2_pow_24_fails_cleanly_and_changes_nothing() {
        let mut s = BlockSequence::new(&[], 1, 0).unwrap();
        let too_many = vec![0u32; POSITION_LIMIT as usize + 1];
        assert_eq!(
            s.extend_tokens(&too_many),
            Err(Error::PositionOverflow {
                position: POSITION_LIMIT
            })
        );
        assert_eq!(s.total_tokens(), 0);
        assert!(BlockSequence::new(&too_many, 1, 0).is_err());
    }

    #[test]
    fn a_million_tokens_at_block_size_16_hash_to_62500_blocks() {
        let tokens: Vec<u32> = (0..1_000_000u32)
            .map(|i| i.wrapping_mul(2654435761))
            .collect();
        let s = BlockSequence::new(&tokens, 16, 1337).unwrap();
        assert_eq!(s.block_count(), 62_500);
        assert_eq!(
            s.sequence_hashes().collect::<Vec<_>>(),
            compute_sequence_hashes(&tokens, 16, 1337).unwrap()
        );
        assert_eq!(s.block(62_499).unwrap().position(), 62_499);
    }
}
