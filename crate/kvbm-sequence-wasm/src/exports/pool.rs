//! Exports of the tier pool ([`kvbm_sequence::tiers::pool`]).
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/pool.rs`.

use crate::contract::EVICTION_POLICY;
use crate::state::{hash_of, run, select, Failure, State};
use crate::table::Object;
use kvbm_sequence::tiers::pool::{BlockRecord, BlockState, EvictionPolicy, PoolEvent, TierPool};
use kvbm_sequence::words::{hi, join, lineage_words, lo};

fn state_code(s: BlockState) -> u32 {
    match s {
        BlockState::Free => 0,
        BlockState::Active => 1,
        BlockState::Inactive => 2,
    }
}

/// A pool's eviction policy from its selector value.
fn policy_of(policy: u32) -> Result<EvictionPolicy, Failure> {
    Ok(match select(&EVICTION_POLICY, policy)? {
        0 => EvictionPolicy::Lru,
        _ => EvictionPolicy::Fifo,
    })
}

/// New pool of the ids `0 .. capacity`; `policy` an [`EVICTION_POLICY`] value. Handle in
/// `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_pool_new(
    capacity: u32,
    block_size: u32,
    salt_lo: u32,
    salt_hi: u32,
    policy: u32,
) -> i32 {
    run(|st| {
        let policy = policy_of(policy)?;
        let salt = join(salt_lo, salt_hi);
        let pool = TierPool::with_capacity(capacity, block_size as usize, salt, policy)?;
        st.adopt(Object::Pool(Box::new(pool)))
    })
}

/// New pool of the `count` ids in the input buffer; `policy` an [`EVICTION_POLICY`] value.
/// Handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_pool_with_ids(
    count: u32,
    block_size: u32,
    salt_lo: u32,
    salt_hi: u32,
    policy: u32,
) -> i32 {
    run(|st| {
        let policy = policy_of(policy)?;
        let salt = join(salt_lo, salt_hi);
        let pool = TierPool::with_ids(st.input(count)?, block_size as usize, salt, policy)?;
        st.adopt(Object::Pool(Box::new(pool)))
    })
}

/// `ret` = capacity, free, active, inactive, block size, salt (lo, hi), policy, evictions (lo,
/// hi), memory bytes.
#[no_mangle]
pub extern "C" fn kv_pool_info(index: u32, generation: u32) -> i32 {
    run(|st| {
        let p = st.table.pool(index, generation)?;
        let ev = p.evictions();
        st.reply.ret[..11].copy_from_slice(&[
            p.capacity() as u32,
            p.free_count() as u32,
            p.active_count() as u32,
            p.inactive_count() as u32,
            p.block_size() as u32,
            lo(p.salt_hash()),
            hi(p.salt_hash()),
            u32::from(p.policy() == EvictionPolicy::Fifo),
            lo(ev),
            hi(ev),
            p.memory_bytes() as u32,
        ]);
        Ok(())
    })
}

/// `match`: the registered prefix of the sequence's blocks from position `from`, acquired.
/// Output: the ids.
#[no_mangle]
pub extern "C" fn kv_pool_match(
    index: u32,
    generation: u32,
    seq_index: u32,
    seq_generation: u32,
    from: u32,
) -> i32 {
    run(|st| {
        let (pool, seq) = st
            .table
            .pool_and_sequence((index, generation), (seq_index, seq_generation))?;
        let ids = pool.match_sequence(seq, from as usize)?;
        st.reply.u32s(&ids)
    })
}

/// `match` over `count` lineage hashes (4 words each) in the input buffer. Output: the ids.
#[no_mangle]
pub extern "C" fn kv_pool_match_hashes(index: u32, generation: u32, count: u32) -> i32 {
    run(|st| {
        let (words, table, reply) = st.with_input(count.saturating_mul(4))?;
        let mut hashes = Vec::new();
        kvbm_sequence::error::try_reserve(&mut hashes, count as usize)?;
        for w in words.chunks_exact(4) {
            hashes.push(hash_of(w)?);
        }
        let ids = table.pool(index, generation)?.match_hashes(&hashes)?;
        reply.u32s(&ids)
    })
}

/// Positions `from .. to` of the sequence not registered in the pool. Output: the positions.
#[no_mangle]
pub extern "C" fn kv_pool_missing(
    index: u32,
    generation: u32,
    seq_index: u32,
    seq_generation: u32,
    from: u32,
    to: u32,
) -> i32 {
    run(|st| {
        let (pool, seq) = st
            .table
            .pool_and_sequence((index, generation), (seq_index, seq_generation))?;
        let positions = pool.unregistered_positions(seq, from as usize, to as usize)?;
        st.reply.u32s(&positions)
    })
}

/// `allocate(n)`. Output: the ids.
#[no_mangle]
pub extern "C" fn kv_pool_allocate(index: u32, generation: u32, n: u32) -> i32 {
    run(|st| {
        let ids = st.table.pool(index, generation)?.allocate(n as usize)?;
        st.reply.u32s(&ids)
    })
}

/// `register` the `len` ids in the input buffer with the sequence's blocks from `start`.
/// Output: the ids the blocks now have (an existing block's id where the hash was registered).
#[no_mangle]
pub extern "C" fn kv_pool_register(
    index: u32,
    generation: u32,
    seq_index: u32,
    seq_generation: u32,
    len: u32,
    start: u32,
) -> i32 {
    run(|st| {
        let (ids, table, reply) = st.with_input(len)?;
        let (pool, seq) =
            table.pool_and_sequence((index, generation), (seq_index, seq_generation))?;
        let out = pool.register(ids, seq, start as usize)?;
        reply.u32s(&out)
    })
}

/// `release` the `len` ids in the input buffer.
#[no_mangle]
pub extern "C" fn kv_pool_release(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        let (ids, table, _) = st.with_input(len)?;
        Ok(table.pool(index, generation)?.release(ids)?)
    })
}

/// Takes the queued events. Output: per event, kind 0 (`stored`): `has_parent, parent_lo,
/// parent_hi, n`, then `n` × `(sequence lo, hi, block lo, hi)`; kind 1 (`removed`): `n`, then
/// `n` × `(lo, hi)`.
#[no_mangle]
pub extern "C" fn kv_pool_events(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let pool = table.pool(index, generation)?;
        let size: usize = pool
            .pending_events()
            .iter()
            .map(|e| match e {
                PoolEvent::Stored { blocks, .. } => 5 + 4 * blocks.len(),
                PoolEvent::Removed { hashes } => 2 + 2 * hashes.len(),
            })
            .sum();
        let mut words = Vec::new();
        kvbm_sequence::error::try_reserve(&mut words, size)?;
        let events = pool.take_events();
        for e in &events {
            match e {
                PoolEvent::Stored { parent, blocks } => {
                    let p = parent.unwrap_or(0);
                    words.extend_from_slice(&[
                        0,
                        u32::from(parent.is_some()),
                        lo(p),
                        hi(p),
                        blocks.len() as u32,
                    ]);
                    for &(s, b) in blocks {
                        words.extend_from_slice(&[lo(s), hi(s), lo(b), hi(b)]);
                    }
                }
                PoolEvent::Removed { hashes } => {
                    words.extend_from_slice(&[1, hashes.len() as u32]);
                    for &h in hashes {
                        words.extend_from_slice(&[lo(h), hi(h)]);
                    }
                }
            }
        }
        reply.u32s(&words)
    })
}

fn record_words(r: &BlockRecord) -> [u32; 8] {
    let [w0, w1, w2, w3] = lineage_words(r.hash.unwrap_or_default());
    [
        r.id,
        state_code(r.state),
        r.ref_count,
        u32::from(r.hash.is_some()),
        w0,
        w1,
        w2,
        w3,
    ]
}

/// One id's record: `ret` = found, then id, state (0 free, 1 active, 2 inactive), reference
/// count, registered, hash words.
#[no_mangle]
pub extern "C" fn kv_pool_record(index: u32, generation: u32, id: u32) -> i32 {
    run(|st| {
        let record = st.table.pool(index, generation)?.record(id);
        st.reply.ret[..9].copy_from_slice(&[0; 9]);
        if let Some(r) = record {
            st.reply.ret[0] = 1;
            st.reply.ret[1..9].copy_from_slice(&record_words(&r));
        }
        Ok(())
    })
}

/// Every id's record, 8 words each (as `kv_pool_record` without `found`).
#[no_mangle]
pub extern "C" fn kv_pool_records(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let pool = table.pool(index, generation)?;
        reply.u32s_from(
            pool.capacity() * 8,
            pool.records().flat_map(|r| record_words(&r)),
        )
    })
}

/// The id a lineage hash is registered to: `ret` = found, id.
#[no_mangle]
pub extern "C" fn kv_pool_lookup(
    index: u32,
    generation: u32,
    w0: u32,
    w1: u32,
    w2: u32,
    w3: u32,
) -> i32 {
    run(|st| {
        let h = hash_of(&[w0, w1, w2, w3])?;
        let id = st.table.pool(index, generation)?.id_of(h);
        st.reply.option(id);
        Ok(())
    })
}
