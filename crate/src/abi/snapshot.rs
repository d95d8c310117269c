//! Exports of snapshots ([`crate::snapshot`]): any sequence, record or pool to words, and back.

use super::table::Object;
use super::{run, State};
use crate::snapshot::{
    assignments_from_words, assignments_to_words, pool_from_words, pool_to_words,
    sequence_from_words, sequence_to_words, Kind, MAGIC,
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
            Object::Index(_) | Object::Load(_) => {
                return Err(super::Failure::WrongKind(
                    "a BlockSequence, ExternalBlockAssignments or TierPool",
                ))
            }
        };
        reply.u32s(&words)
    })
}

/// A new object from the `len` snapshot words in the input buffer: handle in `ret[0..2]`, its
/// kind (1 sequence, 2 record, 3 pool) in `ret[2]`.
#[no_mangle]
pub extern "C" fn kv_restore(len: u32) -> i32 {
    run(|st| {
        let words = st.input(len)?;
        let kind = match words {
            [MAGIC, _, k, ..] => *k,
            _ => 0,
        };
        let object = match kind {
            k if k == Kind::Assignments as u32 => {
                Object::Assignments(assignments_from_words(words)?)
            }
            k if k == Kind::Pool as u32 => Object::Pool(Box::new(pool_from_words(words)?)),
            _ => Object::Sequence(sequence_from_words(words)?),
        };
        st.adopt(object)?;
        st.reply.ret[2] = kind;
        Ok(())
    })
}
