//! Exports of snapshots ([`kvbm_sequence::snapshot`]): any sequence, record, pool or index to
//! words, and back.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/snapshot.rs`.

use crate::state::{run, State};
use crate::table::Object;
use kvbm_sequence::snapshot::{
    assignments_from_words, assignments_to_words, index_from_words, index_to_words, kind_of,
    pool_from_words, pool_to_words, sequence_from_words, sequence_to_words, Kind,
};

/// The object's snapshot: output, words.
#[no_mangle]
pub extern "C" fn kv_snapshot(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let words = match table.get(index, generation)? {
            Object::Sequence(s) => sequence_to_words(s)?,
            Object::Assignments(a) => assignments_to_words(a)?,
            Object::Pool(p) => pool_to_words(p)?,
            Object::Index(i) => index_to_words(i)?,
            Object::Load(_) | Object::Sim(_) => {
                return Err(crate::state::Failure::WrongKind(
                    "a BlockSequence, ExternalBlockAssignments, TierPool or KvIndex",
                ))
            }
        };
        reply.u32s(&words)
    })
}

/// A new object from the `len` snapshot words in the input buffer: handle in `ret[0..2]`, its
/// kind (a snapshot kind of the contract) in `ret[2]`.
#[no_mangle]
pub extern "C" fn kv_restore(len: u32) -> i32 {
    run(|st| {
        let words = st.input(len)?;
        let kind = kind_of(words)?;
        let object = match kind {
            Kind::Sequence => Object::Sequence(sequence_from_words(words)?),
            Kind::Assignments => Object::Assignments(assignments_from_words(words)?),
            Kind::Pool => Object::Pool(Box::new(pool_from_words(words)?)),
            Kind::Index => Object::Index(Box::new(index_from_words(words)?)),
        };
        st.adopt(object)?;
        st.reply.ret[2] = kind as u32;
        Ok(())
    })
}
