//! The workers holding one node: the first inline in the node, more in a vector. Most nodes
//! of a prefix tree are held by one worker, so they need no allocation of their own and a walk
//! reads the holder with the node.
//!
//! Place: `crate/kvbm-sequence/src/router/index/holders.rs`.

/// One worker's hold on a node.
#[derive(Clone, Copy, Debug)]
pub(super) struct Holder {
    pub(super) worker: u32,
    pub(super) block_hash: u64,
    pub(super) expires: f64,
}

const NONE: u32 = u32::MAX;

const EMPTY: Holder = Holder {
    worker: NONE,
    block_hash: 0,
    expires: 0.0,
};

/// A small set of holders, at most one per worker.
#[derive(Clone, Debug)]
pub(super) struct Holders {
    first: Holder,
    rest: Vec<Holder>,
}

impl Default for Holders {
    fn default() -> Self {
        Self {
            first: EMPTY,
            rest: Vec::new(),
        }
    }
}

impl Holders {
    /// The holders.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Holder> + '_ {
        std::iter::once(&self.first)
            .filter(|h| h.worker != NONE)
            .chain(self.rest.iter())
    }

    /// The holders, to change their expiry.
    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Holder> + '_ {
        std::iter::once(&mut self.first)
            .filter(|h| h.worker != NONE)
            .chain(self.rest.iter_mut())
    }

    /// How many.
    pub(super) fn len(&self) -> usize {
        usize::from(self.first.worker != NONE) + self.rest.len()
    }

    /// Whether none.
    pub(super) fn is_empty(&self) -> bool {
        self.first.worker == NONE
    }

    /// Adds a holder (the caller checked the worker is not among them).
    pub(super) fn push(&mut self, h: Holder) {
        if self.first.worker == NONE {
            self.first = h;
        } else {
            self.rest.push(h);
        }
    }

    /// Takes `worker`'s hold off, if any.
    pub(super) fn remove(&mut self, worker: u32) -> Option<Holder> {
        if self.first.worker == worker && worker != NONE {
            let h = self.first;
            self.first = self.rest.pop().unwrap_or(EMPTY);
            return Some(h);
        }
        let pos = self.rest.iter().position(|h| h.worker == worker)?;
        Some(self.rest.swap_remove(pos))
    }

    /// Heap bytes beyond the inline holder.
    pub(super) fn heap_bytes(&self) -> usize {
        self.rest.capacity() * std::mem::size_of::<Holder>()
    }
}
