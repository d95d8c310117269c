//! Exports of block sequences (SPEC §2).
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/sequence.rs`.

use crate::contract::TO_END;
use crate::state::{run, Failure, State};
use crate::table::Object;
use kvbm_sequence::words::{hi, join, lineage_words, lo};
use kvbm_sequence::{Block, BlockSequence};

/// New sequence of the `len` tokens in the input buffer: handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_seq_new(len: u32, block_size: u32, salt_lo: u32, salt_hi: u32) -> i32 {
    run(|st| {
        let seq = BlockSequence::new(st.input(len)?, block_size as usize, join(salt_lo, salt_hi))?;
        st.adopt(Object::Sequence(seq))
    })
}

/// `ret` = block size, total tokens, block count, partial-block length, salt (lo, hi).
#[no_mangle]
pub extern "C" fn kv_seq_info(index: u32, generation: u32) -> i32 {
    run(|st| {
        let seq = st.table.sequence(index, generation)?;
        st.reply.ret[..6].copy_from_slice(&[
            seq.block_size() as u32,
            seq.total_tokens() as u32,
            seq.block_count() as u32,
            seq.partial_tokens().len() as u32,
            lo(seq.salt_hash()),
            hi(seq.salt_hash()),
        ]);
        Ok(())
    })
}

/// Appends the `len` tokens in the input buffer: `ret` = (1, start, end) for the completed
/// blocks, or (0, 0, 0).
#[no_mangle]
pub extern "C" fn kv_seq_extend(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        let (tokens, table, reply) = st.with_input(len)?;
        let range = table.sequence(index, generation)?.extend_tokens(tokens)?;
        let (some, range) = (range.is_some(), range.unwrap_or(0..0));
        reply.ret[..3].copy_from_slice(&[some as u32, range.start as u32, range.end as u32]);
        Ok(())
    })
}

/// Appends one token: `ret` = (1, index) of the block it completed, or (0, 0).
#[no_mangle]
pub extern "C" fn kv_seq_append(index: u32, generation: u32, token: u32) -> i32 {
    run(|st| {
        let done = st.table.sequence(index, generation)?.append_token(token)?;
        st.reply.option(done.map(|i| i as u32));
        Ok(())
    })
}

/// Keeps the first `len` tokens.
#[no_mangle]
pub extern "C" fn kv_seq_truncate(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        st.table.sequence(index, generation)?.truncate(len as usize);
        Ok(())
    })
}

/// Removes the last `count` tokens.
#[no_mangle]
pub extern "C" fn kv_seq_unwind(index: u32, generation: u32, count: u32) -> i32 {
    run(|st| {
        Ok(st
            .table
            .sequence(index, generation)?
            .unwind(count as usize)?)
    })
}

/// Removes the last token: `ret` = (1, token), or (0, 0) for an empty sequence.
#[no_mangle]
pub extern "C" fn kv_seq_pop(index: u32, generation: u32) -> i32 {
    run(|st| {
        let token = st.table.sequence(index, generation)?.pop();
        st.reply.option(token);
        Ok(())
    })
}

/// Blocks `start..end` of `seq`; `end` = `u32::MAX` stands for the sequence's end.
pub(crate) fn block_range(seq: &BlockSequence, start: u32, end: u32) -> Result<&[Block], Failure> {
    let end = if end == TO_END {
        seq.block_count()
    } else {
        end as usize
    };
    seq.blocks().get(start as usize..end).ok_or_else(|| {
        Failure::InvalidArgument(format!(
            "block range {}..{} is outside the sequence's {} complete blocks",
            start,
            end,
            seq.block_count()
        ))
    })
}

/// Which hash [`seq_hashes`] writes.
enum HashKind {
    Block,
    Sequence,
    Lineage,
}

/// Hashes of blocks `start..end` of a sequence: 64-bit values, or two per lineage hash (low
/// half first).
#[inline(never)]
fn seq_hashes(index: u32, generation: u32, kind: HashKind, start: u32, end: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let blocks = block_range(table.sequence(index, generation)?, start, end)?;
        match kind {
            HashKind::Block => reply.u64s_from(blocks.iter().map(Block::block_hash)),
            HashKind::Sequence => reply.u64s_from(blocks.iter().map(Block::sequence_hash)),
            HashKind::Lineage => reply.u32s_from(
                blocks.len() * 4,
                blocks.iter().flat_map(|b| lineage_words(b.lineage_hash())),
            ),
        }
    })
}

/// Block hashes of blocks `start..end`: output, 64-bit values.
#[no_mangle]
pub extern "C" fn kv_seq_block_hashes(index: u32, generation: u32, start: u32, end: u32) -> i32 {
    seq_hashes(index, generation, HashKind::Block, start, end)
}

/// Sequence hashes of blocks `start..end`: output, 64-bit values.
#[no_mangle]
pub extern "C" fn kv_seq_sequence_hashes(index: u32, generation: u32, start: u32, end: u32) -> i32 {
    seq_hashes(index, generation, HashKind::Sequence, start, end)
}

/// Lineage hashes of blocks `start..end`: output, four words each.
#[no_mangle]
pub extern "C" fn kv_seq_lineage_hashes(index: u32, generation: u32, start: u32, end: u32) -> i32 {
    seq_hashes(index, generation, HashKind::Lineage, start, end)
}

/// Complete block `i`: `ret` = found, position, block hash (lo, hi), sequence hash (lo, hi),
/// lineage hash (4 words); its tokens in the output (32-bit).
#[no_mangle]
pub extern "C" fn kv_seq_block(index: u32, generation: u32, i: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let seq = table.sequence(index, generation)?;
        reply.u32s(seq.block_tokens(i as usize).unwrap_or(&[]))?;
        reply.ret[..10].copy_from_slice(&[0; 10]);
        if let Some(block) = seq.block(i as usize) {
            let (bh, sh) = (block.block_hash(), block.sequence_hash());
            reply.ret[..6].copy_from_slice(&[
                1,
                block.position() as u32,
                lo(bh),
                hi(bh),
                lo(sh),
                hi(sh),
            ]);
            reply.ret[6..10].copy_from_slice(&lineage_words(block.lineage_hash()));
        }
        Ok(())
    })
}

/// Tokens of the partial block: output, 32-bit values.
#[no_mangle]
pub extern "C" fn kv_seq_partial(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        reply.u32s(table.sequence(index, generation)?.partial_tokens())
    })
}
