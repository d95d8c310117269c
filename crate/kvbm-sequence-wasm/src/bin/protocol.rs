//! Renders the wire contract (`src/contract.rs`) as TypeScript.
//!
//! ```text
//! kvbm-protocol --write FILE   # (re)writes the file (scripts/build.sh)
//! kvbm-protocol --check FILE   # fails when the file differs from the contract
//! kvbm-protocol                # prints it
//! ```
//!
//! Place: `crate/kvbm-sequence-wasm/src/bin/protocol.rs`.

use kvbm_sequence_wasm::typescript::render as render_typescript;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = render_typescript();
    match args.as_slice() {
        [] => {
            print!("{}", text);
            ExitCode::SUCCESS
        }
        [mode, path] if mode == "--write" => match std::fs::write(path, &text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kvbm-protocol: cannot write {}: {}", path, e);
                ExitCode::FAILURE
            }
        },
        [mode, path] if mode == "--check" => match std::fs::read_to_string(path) {
            Ok(current) if current == text => ExitCode::SUCCESS,
            Ok(_) => {
                eprintln!(
                    "kvbm-protocol: {} is stale: run `npm run build` and commit it",
                    path
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("kvbm-protocol: cannot read {}: {}", path, e);
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: kvbm-protocol [--write FILE | --check FILE]");
            ExitCode::FAILURE
        }
    }
}
