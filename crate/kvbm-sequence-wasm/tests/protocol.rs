//! The committed TypeScript contract is what the Rust contract renders, and the contract agrees
//! with the binding and the core crate where both state a value.

use kvbm_sequence_wasm::contract::{code, ErrorClass, EXPORTS, STATUSES};
use kvbm_sequence_wasm::typescript::{render, GENERATED_PATH};
use std::collections::HashSet;

#[test]
fn the_committed_typescript_contract_is_not_stale() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let path = format!("{}/{}", root, GENERATED_PATH);
    let committed = std::fs::read_to_string(&path).expect("the generated contract exists");
    assert!(
        committed == render(),
        "{} is stale: run `npm run build` (it regenerates it) and commit it",
        GENERATED_PATH
    );
}

#[test]
fn statuses_are_listed_by_code_without_gaps() {
    for (i, s) in STATUSES.iter().enumerate() {
        assert_eq!(s.code, i as i32, "{}", s.name);
    }
    assert_eq!(STATUSES[code::OK as usize].class, ErrorClass::None);
}

#[test]
fn export_names_are_unique() {
    let names: HashSet<&str> = EXPORTS.iter().map(|e| e.name).collect();
    assert_eq!(names.len(), EXPORTS.len());
}
