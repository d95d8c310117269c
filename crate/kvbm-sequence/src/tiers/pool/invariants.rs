//! The pool's structural invariants, checked by the tests after every step.
//!
//! Place: `crate/kvbm-sequence/src/tiers/pool/invariants.rs`.

use super::*;

impl TierPool {
    /// Checks that every id is in exactly one state and the counts and orderings agree (tests).
    pub fn check_invariants(&self) -> std::result::Result<(), String> {
        let (mut free, mut active, mut inactive) = (0, 0, 0);
        for slot in 0..self.ids.len() as u32 {
            match self.state(slot) {
                BlockState::Free => free += 1,
                BlockState::Active => active += 1,
                BlockState::Inactive => inactive += 1,
            }
            if let Some(h) = self.hash[slot as usize] {
                if self.registered.get(&h.raw()) != Some(&slot) {
                    return Err(format!("slot {}: registry disagrees", slot));
                }
            }
        }
        if free != self.free.len()
            || inactive != self.inactive
            || free + active + inactive != self.ids.len()
        {
            return Err(format!(
                "counts: {} free ({} queued), {} active, {} inactive ({} counted)",
                free,
                self.free.len(),
                active,
                inactive,
                self.inactive
            ));
        }
        if self.registered.len() != self.hash.iter().filter(|h| h.is_some()).count() {
            return Err("registry holds stale hashes".to_string());
        }
        Ok(())
    }
}
