//! XXH3-64 with a seed for inputs of 17 to 240 bytes, two 16-byte mixes at a time.
//!
//! Every block of 5 to 60 tokens hashes 20 to 240 bytes, and XXH3 spends that time in
//! independent "mix16B" steps: a 64×64→128-bit product of two keyed input words, folded to 64
//! bits. WebAssembly has no such product, so the scalar path builds each one from four 32×32→64
//! products. Here two mixes share one SIMD128 register: `extmul` gives both lanes' four partial
//! products in four instructions, and the sums of the mixes are added lane-wise.
//!
//! This is the one XXH3 of our own in the crate. It follows the reference algorithm step for step
//! (`XXH3_len_17to128_64b`, `XXH3_len_129to240_64b`), and is checked against `xxhash-rust` on
//! random inputs of every length it covers and on the reference sanity buffer (natively through
//! the portable `Pair`, and in WebAssembly by the package tests and `npm run bench:lanes`).
//! The WebAssembly build uses it only when compiled with `simd128`; everywhere else the crate
//! hashes with `xxhash-rust` alone.
//!
//! Place: `crate/kvbm-sequence/src/hashing/xxh3_lanes.rs`.

/// Shortest input this path hashes (shorter ones need no 16-byte mix pairs).
pub const MIN_LEN: usize = 17;
/// Longest input this path hashes (longer ones take XXH3's striped long path).
pub const MAX_LEN: usize = 240;

const PRIME64_1: u64 = 0x9E37_79B1_85EB_CA87;

/// The first 136 bytes of XXH3's default secret (`kSecret`), all that inputs up to 240 bytes read.
const SECRET: [u8; 136] = [
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
    0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
    0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
    0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3,
];

/// XXH3-64 of `input` with `seed`, or `None` when its length is outside
/// [`MIN_LEN`]`..=`[`MAX_LEN`].
pub fn xxh3_64(input: &[u8], seed: u64) -> Option<u64> {
    let len = input.len();
    match len {
        MIN_LEN..=128 => Some(len_17_to_128(input, seed)),
        129..=MAX_LEN => Some(len_129_to_240(input, seed)),
        _ => None,
    }
}

/// `XXH3_len_17to128_64b`: the mixes of (input, secret) offsets taken in pairs from both ends.
fn len_17_to_128(input: &[u8], seed: u64) -> u64 {
    let len = input.len();
    let mut sum = mix_pair(input, [0, len - 16], [0, 16], seed);
    if len > 32 {
        sum = sum.add(mix_pair(input, [16, len - 32], [32, 48], seed));
        if len > 64 {
            sum = sum.add(mix_pair(input, [32, len - 48], [64, 80], seed));
            if len > 96 {
                sum = sum.add(mix_pair(input, [48, len - 64], [96, 112], seed));
            }
        }
    }
    avalanche(
        (len as u64)
            .wrapping_mul(PRIME64_1)
            .wrapping_add(sum.lane_sum()),
    )
}

/// `XXH3_len_129to240_64b`: eight mixes, an avalanche, then one mix per further 16 bytes and
/// one of the last 16 bytes (secret offsets 3, 19, … and 119).
fn len_129_to_240(input: &[u8], seed: u64) -> u64 {
    let len = input.len();
    let mut sum = mix_pair(input, [0, 16], [0, 16], seed);
    for k in 1..4 {
        let i = 32 * k;
        sum = sum.add(mix_pair(input, [i, i + 16], [i, i + 16], seed));
    }
    let first = avalanche(
        (len as u64)
            .wrapping_mul(PRIME64_1)
            .wrapping_add(sum.lane_sum()),
    );
    // Rounds 8..len/16, then the last 16 bytes: 1 to 8 mixes, paired; an odd one is mixed twice
    // in one pair and counted once.
    let rounds = len / 16;
    let mut tail = Pair::zero();
    let mut round = 8;
    while round + 1 < rounds {
        let at = [16 * round, 16 * round + 16];
        tail = tail.add(mix_pair(input, at, [at[0] - 125, at[1] - 125], seed));
        round += 2;
    }
    let last = len - 16;
    let extra = if round < rounds {
        mix_pair(input, [16 * round, last], [16 * round - 125, 119], seed).lane_sum()
    } else {
        mix_pair(input, [last, last], [119, 119], seed).lanes()[0]
    };
    avalanche(first.wrapping_add(tail.lane_sum()).wrapping_add(extra))
}

/// Both lanes' `mix16B`: lane `k` mixes the 16 input bytes at `at[k]` with the secret bytes at
/// `key[k]`.
#[inline(always)]
fn mix_pair(input: &[u8], at: [usize; 2], key: [usize; 2], seed: u64) -> Pair {
    let words = |bytes: &[u8], o: [usize; 2], half: usize| {
        Pair::new(read64(bytes, o[0] + half), read64(bytes, o[1] + half))
    };
    let seeds = Pair::new(seed, seed);
    let lo = words(input, at, 0).xor(words(&SECRET, key, 0).add(seeds));
    let hi = words(input, at, 8).xor(words(&SECRET, key, 8).sub(seeds));
    lo.mul_fold(hi)
}

#[inline(always)]
fn read64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn avalanche(mut h: u64) -> u64 {
    h ^= h >> 37;
    h = h.wrapping_mul(0x1656_6791_9E37_79F9);
    h ^ (h >> 32)
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd::Pair;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use portable::Pair;

/// Two 64-bit lanes in one SIMD128 register.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{
        i64x2_add, i64x2_shl, i64x2_sub, u32x4_shuffle, u64x2, u64x2_extmul_high_u32x4,
        u64x2_extmul_low_u32x4, u64x2_extract_lane, u64x2_shr, u64x2_splat, v128, v128_and,
        v128_or, v128_xor,
    };

    #[derive(Clone, Copy)]
    pub(super) struct Pair(v128);

    impl Pair {
        #[inline(always)]
        pub(super) fn new(a: u64, b: u64) -> Pair {
            Pair(u64x2(a, b))
        }
        #[inline(always)]
        pub(super) fn zero() -> Pair {
            Pair(u64x2_splat(0))
        }
        #[inline(always)]
        pub(super) fn add(self, other: Pair) -> Pair {
            Pair(i64x2_add(self.0, other.0))
        }
        #[inline(always)]
        pub(super) fn sub(self, other: Pair) -> Pair {
            Pair(i64x2_sub(self.0, other.0))
        }
        #[inline(always)]
        pub(super) fn xor(self, other: Pair) -> Pair {
            Pair(v128_xor(self.0, other.0))
        }
        /// Lane-wise 128-bit product `self × other`, its low and high halves XORed.
        #[inline(always)]
        pub(super) fn mul_fold(self, other: Pair) -> Pair {
            // x = [x0 lo, x1 lo, x0 hi, x1 hi]; y likewise, and y with its halves swapped.
            let x = u32x4_shuffle::<0, 2, 1, 3>(self.0, self.0);
            let y = u32x4_shuffle::<0, 2, 1, 3>(other.0, other.0);
            let y_swapped = u32x4_shuffle::<1, 3, 0, 2>(other.0, other.0);
            let ll = u64x2_extmul_low_u32x4(x, y);
            let hh = u64x2_extmul_high_u32x4(x, y);
            let lh = u64x2_extmul_low_u32x4(x, y_swapped);
            let hl = u64x2_extmul_high_u32x4(x, y_swapped);
            let low32 = u64x2_splat(0xffff_ffff);
            // (ll >> 32) + (lh mod 2^32) + hl < 2^64: the middle column with its carry.
            let cross = i64x2_add(i64x2_add(u64x2_shr(ll, 32), v128_and(lh, low32)), hl);
            let hi = i64x2_add(i64x2_add(hh, u64x2_shr(lh, 32)), u64x2_shr(cross, 32));
            let lo = v128_or(i64x2_shl(cross, 32), v128_and(ll, low32));
            Pair(v128_xor(lo, hi))
        }
        #[inline(always)]
        pub(super) fn lanes(self) -> [u64; 2] {
            [
                u64x2_extract_lane::<0>(self.0),
                u64x2_extract_lane::<1>(self.0),
            ]
        }
        #[inline(always)]
        pub(super) fn lane_sum(self) -> u64 {
            let [a, b] = self.lanes();
            a.wrapping_add(b)
        }
    }
}

/// The same two lanes as plain integers: the reference the SIMD lanes are held to, and what
/// native tests run.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod portable {
    #[derive(Clone, Copy)]
    pub(super) struct Pair([u64; 2]);

    impl Pair {
        pub(super) fn new(a: u64, b: u64) -> Pair {
            Pair([a, b])
        }
        pub(super) fn zero() -> Pair {
            Pair([0, 0])
        }
        fn map(self, other: Pair, f: impl Fn(u64, u64) -> u64) -> Pair {
            Pair([f(self.0[0], other.0[0]), f(self.0[1], other.0[1])])
        }
        pub(super) fn add(self, other: Pair) -> Pair {
            self.map(other, u64::wrapping_add)
        }
        pub(super) fn sub(self, other: Pair) -> Pair {
            self.map(other, u64::wrapping_sub)
        }
        pub(super) fn xor(self, other: Pair) -> Pair {
            self.map(other, |a, b| a ^ b)
        }
        pub(super) fn mul_fold(self, other: Pair) -> Pair {
            self.map(other, |a, b| {
                let product = u128::from(a) * u128::from(b);
                product as u64 ^ (product >> 64) as u64
            })
        }
        pub(super) fn lanes(self) -> [u64; 2] {
            self.0
        }
        pub(super) fn lane_sum(self) -> u64 {
            self.0[0].wrapping_add(self.0[1])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64_with_seed;

    /// The reference sanity buffer of xxHash's `xsum_sanity_check.c`: byte `i` is the top byte of
    /// `PRIME32 × PRIME64^i` (wrapping).
    fn sanity_buffer(len: usize) -> Vec<u8> {
        let mut gen: u64 = 2_654_435_761;
        (0..len)
            .map(|_| {
                let byte = (gen >> 56) as u8;
                gen = gen.wrapping_mul(0x9E37_79B1_85EB_CA8D);
                byte
            })
            .collect()
    }

    #[test]
    fn refuses_lengths_it_does_not_cover() {
        assert_eq!(xxh3_64(&[0; 16], 0), None);
        assert_eq!(xxh3_64(&[0; 241], 0), None);
    }

    #[test]
    fn secret_is_the_start_of_xxhash_rusts_default_secret() {
        // The 17..=128 path of xxhash-rust with seed 0 reads the secret only through mix16B; a
        // zero input makes each mix the product of secret words, so equal hashes over every
        // length pin every secret byte the lanes read.
        for len in MIN_LEN..=MAX_LEN {
            let zero = vec![0u8; len];
            assert_eq!(
                xxh3_64(&zero, 0),
                Some(xxh3_64_with_seed(&zero, 0)),
                "len {len}"
            );
        }
    }

    #[test]
    fn equals_xxhash_rust_on_the_sanity_buffer_at_every_length_and_reference_seeds() {
        let buffer = sanity_buffer(MAX_LEN);
        for seed in [0, 0x9E37_79B1_85EB_CA8D, 1337] {
            for len in MIN_LEN..=MAX_LEN {
                let input = &buffer[..len];
                assert_eq!(xxh3_64(input, seed), Some(xxh3_64_with_seed(input, seed)));
            }
        }
    }

    #[test]
    fn equals_the_reference_sanity_values() {
        // XXH3_64bits_withSeed on the sanity buffer, from the reference C library (libxxhash
        // 0.8.1 through python3-xxhash); 24, 48, 80 and 195 are xsum_sanity_check.c's lengths.
        let buffer = sanity_buffer(MAX_LEN);
        const P64: u64 = 0x9E37_79B1_85EB_CA8D;
        let cases = [
            (17, 0, 0x796F_5ACD_3A60_F862),
            (17, P64, 0xF3EC_5067_F430_6DB3),
            (24, 0, 0xA3FE_70BF_9D35_10EB),
            (24, P64, 0x850E_80FC_35BD_D690),
            (48, 0, 0x397D_A259_ECBA_1F11),
            (48, P64, 0xADC2_CBAA_44AC_C616),
            (80, 0, 0xBCDE_FBBB_2C47_C90A),
            (80, P64, 0xC6DD_0CB6_9953_2E73),
            (127, 0, 0x2408_ED71_323D_6096),
            (127, P64, 0x41D2_F0C3_F483_208F),
            (128, 0, 0xFCFF_2412_6754_D861),
            (128, P64, 0x73FD_E752_8064_6649),
            (129, 0, 0x98F1_B0A6_79A2_CA29),
            (129, P64, 0x21FF_FDBC_A099_C844),
            (195, 0, 0xCD94_217E_E362_EC3A),
            (195, P64, 0xBA68_003D_370C_B3D9),
            (240, 0, 0x81C3_C2B6_7F56_8CCF),
            (240, P64, 0xCC0F_58C2_7EF3_D8EE),
        ];
        for (len, seed, expected) in cases {
            assert_eq!(xxh3_64(&buffer[..len], seed), Some(expected));
        }
    }

    /// `count` random inputs of each length in `lengths`, random seeds, compared with
    /// `xxhash-rust`.
    fn compare_random(lengths: impl Iterator<Item = usize>, count: u64) {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut input = [0u8; MAX_LEN];
        for len in lengths {
            for _ in 0..count {
                for chunk in input.chunks_mut(8) {
                    chunk.copy_from_slice(&next().to_le_bytes());
                }
                let seed = next();
                let bytes = &input[..len];
                assert_eq!(xxh3_64(bytes, seed), Some(xxh3_64_with_seed(bytes, seed)));
            }
        }
    }

    #[test]
    fn equals_xxhash_rust_on_random_inputs_of_every_length() {
        compare_random(MIN_LEN..=MAX_LEN, 200);
    }

    /// The proof run: `scripts/cargo.sh test --release --lib xxh3_lanes -- --ignored`
    /// (10^7 random blocks at each block size the lanes cover, 5 to 60 tokens).
    #[test]
    #[ignore]
    fn equals_xxhash_rust_on_ten_million_random_blocks_of_every_covered_block_size() {
        compare_random((5..=60).map(|tokens| tokens * 4), 10_000_000);
    }
}
