//! A faster 128-bit multiplication for the WebAssembly build.
//!
//! WebAssembly has no 64×64→128-bit multiply, so LLVM lowers every `u128` product (XXH3 does
//! one per 16 input bytes) to a call of the compiler-rt intrinsic `__multi3`, which returns its
//! result through memory. Defining the symbol here replaces the generic version with one that
//! `wasm-opt` can inline into the hashing loops (see `scripts/build.sh`); the arithmetic is the
//! schoolbook product of 32-bit halves, exact for all inputs. The XXH3 code itself stays the
//! `xxhash-rust` crate's.
//!
//! Place: `crate/kvbm-sequence-wasm/src/intrinsics.rs`.

/// `a * b` modulo 2^128, as compiler-rt's `__multi3`.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
#[allow(improper_ctypes_definitions)] // i128 is passed as compiler-rt expects on wasm32
pub extern "C" fn __multi3(a: i128, b: i128) -> i128 {
    wrapping_mul_u128(a as u128, b as u128) as i128
}

/// `a * b` modulo 2^128 from 32×32→64-bit products only (no `u128` multiply, which would call
/// `__multi3` again).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn wrapping_mul_u128(a: u128, b: u128) -> u128 {
    let (a_lo, a_hi) = (a as u64, (a >> 64) as u64);
    let (b_lo, b_hi) = (b as u64, (b >> 64) as u64);
    let (a0, a1) = (a_lo & 0xffff_ffff, a_lo >> 32);
    let (b0, b1) = (b_lo & 0xffff_ffff, b_lo >> 32);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
    let lo = (p00 & 0xffff_ffff) | (mid << 32);
    let hi = (p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32))
        .wrapping_add(a_lo.wrapping_mul(b_hi))
        .wrapping_add(a_hi.wrapping_mul(b_lo));
    u128::from(hi) << 64 | u128::from(lo)
}

#[cfg(test)]
mod tests {
    use super::wrapping_mul_u128;

    #[test]
    fn matches_the_native_u128_product() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let edges = [
            0u128,
            1,
            u64::MAX as u128,
            u128::MAX,
            1 << 64,
            (1 << 64) - 1,
        ];
        for &a in &edges {
            for &b in &edges {
                assert_eq!(wrapping_mul_u128(a, b), a.wrapping_mul(b));
            }
        }
        for _ in 0..100_000 {
            let a = u128::from(next()) << 64 | u128::from(next());
            let b = u128::from(next()) << 64 | u128::from(next());
            assert_eq!(wrapping_mul_u128(a, b), a.wrapping_mul(b));
            let (c, d) = (u128::from(next()), u128::from(next()));
            assert_eq!(wrapping_mul_u128(c, d), c * d);
        }
    }
}
