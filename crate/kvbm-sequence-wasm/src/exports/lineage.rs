//! Exports of lineage hashes (SPEC §1.1): build, take apart, print, compare.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/lineage.rs`.

use crate::state::{hash_of, run};
use kvbm_sequence::words::{hi, join, lineage_words, lo};
use kvbm_sequence::SequenceHash;

/// Lineage hash of position (`pos_lo`, `pos_hi`), sequence hash `current` and parent sequence
/// hash `parent`: its words in `ret[0..4]`.
#[no_mangle]
pub extern "C" fn kv_lineage_new(
    cur_lo: u32,
    cur_hi: u32,
    par_lo: u32,
    par_hi: u32,
    pos_lo: u32,
    pos_hi: u32,
) -> i32 {
    run(|st| {
        let h = SequenceHash::new(
            join(cur_lo, cur_hi),
            join(par_lo, par_hi),
            join(pos_lo, pos_hi),
        )?;
        st.reply.ret[..4].copy_from_slice(&lineage_words(h));
        Ok(())
    })
}

/// Decodes a lineage hash: `ret` = mode, position, current (lo, hi), parent fragment (lo, hi).
/// Fails for a value that is not a lineage hash.
#[no_mangle]
pub extern "C" fn kv_lineage_parts(w0: u32, w1: u32, w2: u32, w3: u32) -> i32 {
    run(|st| {
        let h = hash_of(&[w0, w1, w2, w3])?;
        let (cur, frag) = (h.current_hash(), h.parent_fragment());
        st.reply.ret[..6].copy_from_slice(&[
            h.mode(),
            h.position() as u32,
            lo(cur),
            hi(cur),
            lo(frag),
            hi(frag),
        ]);
        Ok(())
    })
}

/// Dynamo's text form of a lineage hash: output, UTF-8 bytes.
#[no_mangle]
pub extern "C" fn kv_lineage_to_string(w0: u32, w1: u32, w2: u32, w3: u32) -> i32 {
    run(|st| {
        let text = hash_of(&[w0, w1, w2, w3])?.text();
        st.reply.bytes(text.as_bytes())
    })
}

/// Order of two lineage hashes: `ret[0]` = 0 (less), 1 (equal) or 2 (greater).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn kv_lineage_cmp(
    a0: u32,
    a1: u32,
    a2: u32,
    a3: u32,
    b0: u32,
    b1: u32,
    b2: u32,
    b3: u32,
) -> i32 {
    run(|st| {
        let a = hash_of(&[a0, a1, a2, a3])?;
        let b = hash_of(&[b0, b1, b2, b3])?;
        st.reply.ret[0] = (a.cmp(&b) as i32 + 1) as u32;
        Ok(())
    })
}
