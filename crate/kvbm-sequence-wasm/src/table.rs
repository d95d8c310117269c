//! Objects behind handles: a slot index and a generation. Slots are reused, generations are not
//! (until 2^32 objects were made), so a freed or stale handle is reported, never dereferenced.
//!
//! Place: `crate/kvbm-sequence-wasm/src/table.rs`.

use crate::state::Failure;
use kvbm_sequence::error::try_reserve;
use kvbm_sequence::router::index::KvIndex;
use kvbm_sequence::router::load::LoadTracker;
use kvbm_sequence::sequence::assignments::ExternalBlockAssignments;
use kvbm_sequence::sequence::BlockSequence;
use kvbm_sequence::sim::Simulation;
use kvbm_sequence::tiers::pool::TierPool;

/// An object behind a handle.
pub(crate) enum Object {
    Sequence(BlockSequence),
    Assignments(ExternalBlockAssignments),
    Index(Box<KvIndex>),
    Pool(Box<TierPool>),
    Load(Box<LoadTracker>),
    Sim(Box<Simulation>),
}

struct Slot {
    generation: u32,
    object: Option<Object>,
}

/// The table of live objects.
#[derive(Default)]
pub(crate) struct Table {
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_generation: u32,
    live: u32,
}

impl Table {
    /// Number of live objects.
    pub(crate) fn live(&self) -> u32 {
        self.live
    }

    /// Stores `object`; returns its handle.
    pub(crate) fn insert(&mut self, object: Object) -> Result<(u32, u32), Failure> {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                try_reserve(&mut self.slots, 1)?;
                // Room for every slot to be freed later, so that `remove` cannot fail.
                try_reserve(&mut self.free, self.slots.len() + 1)?;
                self.slots.push(Slot {
                    generation: 0,
                    object: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        self.next_generation = self.next_generation.wrapping_add(1).max(1);
        let slot = self
            .slots
            .get_mut(index as usize)
            .ok_or(Failure::InvalidHandle)?;
        slot.generation = self.next_generation;
        slot.object = Some(object);
        self.live += 1;
        Ok((index, self.next_generation))
    }

    fn slot(&mut self, index: u32, generation: u32) -> Result<&mut Slot, Failure> {
        match self.slots.get_mut(index as usize) {
            // A handle names a slot's object where its generation matches (0 is never
            // live); `shared` checks the same.
            Some(slot) if generation != 0 && slot.generation == generation => Ok(slot),
            _ => Err(Failure::InvalidHandle),
        }
    }

    /// The object behind a handle.
    pub(crate) fn get(&mut self, index: u32, generation: u32) -> Result<&mut Object, Failure> {
        self.slot(index, generation)?
            .object
            .as_mut()
            .ok_or(Failure::InvalidHandle)
    }

    /// Removes the object behind a handle; the handle is stale from now on.
    pub(crate) fn remove(&mut self, index: u32, generation: u32) -> Result<Object, Failure> {
        let slot = self.slot(index, generation)?;
        let object = slot.object.take().ok_or(Failure::InvalidHandle)?;
        slot.generation = 0;
        self.free.push(index);
        self.live -= 1;
        Ok(object)
    }

    /// The sequence behind a handle.
    pub(crate) fn sequence(
        &mut self,
        index: u32,
        generation: u32,
    ) -> Result<&mut BlockSequence, Failure> {
        match self.get(index, generation)? {
            Object::Sequence(s) => Ok(s),
            _ => Err(Failure::WrongKind("a BlockSequence")),
        }
    }

    /// The assignment record behind a handle.
    pub(crate) fn assignments(
        &mut self,
        index: u32,
        generation: u32,
    ) -> Result<&mut ExternalBlockAssignments, Failure> {
        match self.get(index, generation)? {
            Object::Assignments(a) => Ok(a),
            _ => Err(Failure::WrongKind("an ExternalBlockAssignments")),
        }
    }

    /// The pool behind a handle.
    pub(crate) fn pool(&mut self, index: u32, generation: u32) -> Result<&mut TierPool, Failure> {
        match self.get(index, generation)? {
            Object::Pool(p) => Ok(p),
            _ => Err(Failure::WrongKind("a TierPool")),
        }
    }

    /// The load tracker behind a handle.
    pub(crate) fn load(
        &mut self,
        index: u32,
        generation: u32,
    ) -> Result<&mut LoadTracker, Failure> {
        match self.get(index, generation)? {
            Object::Load(l) => Ok(l),
            _ => Err(Failure::WrongKind("a LoadTracker")),
        }
    }

    /// The router index behind a handle.
    pub(crate) fn sim(&mut self, index: u32, generation: u32) -> Result<&mut Simulation, Failure> {
        match self.get(index, generation)? {
            Object::Sim(s) => Ok(s),
            _ => Err(Failure::WrongKind("a simulation")),
        }
    }

    pub(crate) fn index(&mut self, index: u32, generation: u32) -> Result<&mut KvIndex, Failure> {
        match self.get(index, generation)? {
            Object::Index(i) => Ok(i),
            _ => Err(Failure::WrongKind("a KvIndex")),
        }
    }

    /// The object behind a handle, shared (so that several can be borrowed at once).
    fn shared(&self, index: u32, generation: u32) -> Result<&Object, Failure> {
        match self.slots.get(index as usize) {
            // The check of `slot()`, written again: routed through one helper, it grew every
            // export's inlined lookup (0.6 KB of module).
            Some(slot) if generation != 0 && slot.generation == generation => {
                slot.object.as_ref().ok_or(Failure::InvalidHandle)
            }
            _ => Err(Failure::InvalidHandle),
        }
    }

    /// The router index behind a handle, shared.
    pub(crate) fn index_ref(&self, index: u32, generation: u32) -> Result<&KvIndex, Failure> {
        match self.shared(index, generation)? {
            Object::Index(i) => Ok(i),
            _ => Err(Failure::WrongKind("a KvIndex")),
        }
    }

    /// The load tracker behind a handle, shared.
    pub(crate) fn load_ref(&self, index: u32, generation: u32) -> Result<&LoadTracker, Failure> {
        match self.shared(index, generation)? {
            Object::Load(l) => Ok(l),
            _ => Err(Failure::WrongKind("a LoadTracker")),
        }
    }

    /// The assignment record behind a handle, shared.
    fn assignments_ref(
        &self,
        index: u32,
        generation: u32,
    ) -> Result<&ExternalBlockAssignments, Failure> {
        match self.shared(index, generation)? {
            Object::Assignments(a) => Ok(a),
            _ => Err(Failure::WrongKind("an ExternalBlockAssignments")),
        }
    }

    /// Two assignment records at once, both shared (the same one twice is allowed).
    pub(crate) fn assignments_pair(
        &self,
        a: (u32, u32),
        b: (u32, u32),
    ) -> Result<(&ExternalBlockAssignments, &ExternalBlockAssignments), Failure> {
        Ok((
            self.assignments_ref(a.0, a.1)?,
            self.assignments_ref(b.0, b.1)?,
        ))
    }

    /// An object (mutable) and a sequence (shared) at once; the object must not be the
    /// sequence itself.
    pub(crate) fn object_and_sequence(
        &mut self,
        object: (u32, u32),
        sequence: (u32, u32),
    ) -> Result<(&mut Object, &BlockSequence), Failure> {
        self.get(object.0, object.1)?;
        self.sequence(sequence.0, sequence.1)?;
        let (r, s) = (object.0 as usize, sequence.0 as usize);
        if r == s {
            return Err(Failure::WrongKind("an object other than the sequence"));
        }
        // Distinct slots: split the slot list between them.
        let (first, second) = self.slots.split_at_mut(r.max(s));
        let (low, high) = (first.get_mut(r.min(s)), second.first_mut());
        let (object_slot, sequence_slot) = if r < s { (low, high) } else { (high, low) };
        match (
            object_slot.and_then(|x| x.object.as_mut()),
            sequence_slot.and_then(|x| x.object.as_mut()),
        ) {
            (Some(o), Some(Object::Sequence(q))) => Ok((o, q)),
            _ => Err(Failure::InvalidHandle),
        }
    }

    /// A record (mutable) and a sequence (shared) at once.
    pub(crate) fn record_and_sequence(
        &mut self,
        record: (u32, u32),
        sequence: (u32, u32),
    ) -> Result<(&mut ExternalBlockAssignments, &BlockSequence), Failure> {
        self.assignments(record.0, record.1)?;
        match self.object_and_sequence(record, sequence)? {
            (Object::Assignments(a), q) => Ok((a, q)),
            _ => Err(Failure::WrongKind("an ExternalBlockAssignments")),
        }
    }

    /// A pool (mutable) and a sequence (shared) at once.
    pub(crate) fn pool_and_sequence(
        &mut self,
        pool: (u32, u32),
        sequence: (u32, u32),
    ) -> Result<(&mut TierPool, &BlockSequence), Failure> {
        self.pool(pool.0, pool.1)?;
        match self.object_and_sequence(pool, sequence)? {
            (Object::Pool(p), q) => Ok((p, q)),
            _ => Err(Failure::WrongKind("a TierPool")),
        }
    }
}
