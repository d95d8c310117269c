//! Unit tests of the engine profiles.

use super::cbor::cbor_head;
use super::*;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{:02x}", x)).collect()
}

#[test]
fn sha256_matches_the_fips_vectors() {
    assert_eq!(
        hex(&sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(&sha256(b"")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let million = vec![b'a'; 1_000_000];
    assert_eq!(
        hex(&sha256(&million)),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
}

#[test]
fn cbor_heads_are_shortest() {
    let mut out = Vec::new();
    for v in [
        0u64,
        23,
        24,
        255,
        256,
        65535,
        65536,
        u64::from(u32::MAX),
        1 << 32,
    ] {
        cbor_head(&mut out, 0, v);
    }
    assert_eq!(
        hex(&out),
        "00171818 18ff190100 19ffff1a00010000 1affffffff1b0000000100000000".replace(' ', "")
    );
}

#[test]
fn none_hash_with_seed_0_is_sha256_of_the_cbor_text() {
    let root = root_digest(
        Profile::VllmSha256Cbor,
        &ProfileOptions {
            seed: "0",
            ..Default::default()
        },
    );
    assert_eq!(root, sha256(&[0x61, b'0']).to_vec());
}

#[test]
fn event_ids_take_the_documented_bytes() {
    let d: Vec<u8> = (1..=32).collect();
    assert_eq!(Profile::Sglang.event_id(&d), 0x0102030405060708);
    assert_eq!(Profile::VllmSha256Cbor.event_id(&d), 0x191a1b1c1d1e1f20);
}

#[test]
fn pickle_bytes_equal_python3s() {
    // `pickle.dumps((b'ab', (1, 300, 70000, 2**31), (-5, -129, -128, 's', ('id', -3))), 5).hex()`
    // and `pickle.dumps('0', 5).hex()`, printed by Debian's python3 3.11.
    let extra = [
        ExtraKey::Int(-5),
        ExtraKey::Int(-129),
        ExtraKey::Int(-128),
        ExtraKey::Text("s".to_string()),
        ExtraKey::Tuple(vec![ExtraKey::Text("id".to_string()), ExtraKey::Int(-3)]),
    ];
    assert_eq!(
        hex(&super::pickle::block_triple(
            b"ab",
            &[1, 300, 70000, 1 << 31],
            Some(&extra)
        )),
        "8005953e000000000000004302616294284b014d2c014a701101008a0500000080007494284afbffffff\
         4a7fffffff4a80ffffff8c0173948c026964944afdffffff8694749487942e"
    );
    assert_eq!(
        hex(&super::pickle::string("0")),
        "80059505000000000000008c0130942e"
    );
}
