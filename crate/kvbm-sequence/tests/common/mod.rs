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
