//! What the integration tests share: a deterministic xorshift64* generator.
#![allow(dead_code)]

/// xorshift64*: deterministic arguments from a seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next 32 random bits.
    pub fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }
}

/// Counts of every status a fuzz run saw, indexed by status code.
pub struct Statuses(pub [usize; 32]);

impl Statuses {
    /// No status seen yet.
    pub fn new() -> Self {
        Statuses([0; 32])
    }

    /// Records `status`, which must be one of the module's codes.
    pub fn record(&mut self, status: i32) {
        assert!((0..=24).contains(&status), "status {}", status);
        self.0[status as usize] += 1;
    }

    /// Asserts more than `min_ok` successes and at least one of each of `expected`.
    pub fn assert_reached(&self, min_ok: usize, expected: &[i32]) {
        assert!(self.0[0] > min_ok, "{:?}", self.0);
        for &status in expected {
            assert!(
                self.0[status as usize] > 0,
                "status {} never seen: {:?}",
                status,
                self.0
            );
        }
    }
}
