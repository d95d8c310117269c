//! Exports of block hashing (SPEC §1): block and sequence hashes of tokens, the router salt.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/hashing.rs`.

use crate::state::{memory_bytes, run, Failure};
use kvbm_sequence::hashing::{compute_salt_hash, for_each_block, for_each_block_le_bytes};
use kvbm_sequence::words::{hi, join, lo};

/// Block hashes (`sequence` false) or sequence hashes (true) of the `len` tokens in the input
/// buffer: output, 64-bit values.
#[inline(never)]
fn compute_hashes(len: u32, block_size: u32, salt: u64, sequence: bool) -> i32 {
    run(|st| {
        let (tokens, _, reply) = st.with_input(len)?;
        let blocks = tokens.len() / (block_size.max(1) as usize);
        let out = reply.u64s(blocks)?;
        let put = |i: usize, bh: u64, sh: u64| {
            if let Some(cell) = out.get_mut(i) {
                *cell = if sequence { sh } else { bh };
            }
        };
        let block_size = block_size as usize;
        if cfg!(target_endian = "little") {
            for_each_block_le_bytes(memory_bytes(tokens), block_size, salt, put)?;
        } else {
            for_each_block(tokens, block_size, salt, put)?;
        }
        Ok(())
    })
}

/// Block hashes of the `len` tokens in the input buffer: output, 64-bit values.
#[no_mangle]
pub extern "C" fn kv_block_hashes(len: u32, block_size: u32, salt_lo: u32, salt_hi: u32) -> i32 {
    compute_hashes(len, block_size, join(salt_lo, salt_hi), false)
}

/// Sequence hashes of the `len` tokens in the input buffer: output, 64-bit values.
#[no_mangle]
pub extern "C" fn kv_sequence_hashes(len: u32, block_size: u32, salt_lo: u32, salt_hi: u32) -> i32 {
    compute_hashes(len, block_size, join(salt_lo, salt_hi), true)
}

/// Dynamo's router salt of the UTF-8 strings in the input buffer: the salt's `salt_len` bytes,
/// then the LoRA name's `lora_len` bytes (empty means absent). Result in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_salt_hash(salt_len: u32, lora_len: u32) -> i32 {
    run(|st| {
        let total = u64::from(salt_len) + u64::from(lora_len);
        let words = st.input(((total + 3) / 4).min(u64::from(u32::MAX)) as u32)?;
        let bytes = memory_bytes(words);
        let (salt, rest) = bytes.split_at((salt_len as usize).min(bytes.len()));
        let lora = rest.get(..lora_len as usize).ok_or_else(|| {
            Failure::InvalidArgument("string lengths exceed the input buffer".to_string())
        })?;
        let text = |b| {
            std::str::from_utf8(b)
                .map_err(|_| Failure::InvalidArgument("string is not UTF-8".to_string()))
        };
        let hash = compute_salt_hash(Some(text(salt)?), Some(text(lora)?));
        st.reply.ret[..2].copy_from_slice(&[lo(hash), hi(hash)]);
        Ok(())
    })
}
