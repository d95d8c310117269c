#!/usr/bin/env bash
# Builds everything: the TypeScript contract from the Rust one (ts/runtime/protocol.generated.ts;
# under CI it is only checked, so a stale committed file fails the build), the binding crate for
# wasm32 (release: opt-level 3, LTO, panic=abort), wasm-opt -O3, the inlined bytes, then the
# ESM/CJS/.d.ts bundles in dist/, and the size report with budgets.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

protocol_mode=--write
[ -n "${CI:-}" ] && protocol_mode=--check
scripts/cargo.sh run --quiet -p kvbm-sequence-wasm --bin kvbm-protocol -- "$protocol_mode" \
  ts/runtime/protocol.generated.ts
scripts/cargo.sh build --quiet --release --target wasm32-unknown-unknown -p kvbm-sequence-wasm --lib
mkdir -p .tmp
# __multi3 (crate/kvbm-sequence-wasm/src/intrinsics.rs) is linked as an export: drop the export (it takes a raw result
# pointer, which no caller may choose), then inline more than -O3 alone would, so that the
# hashing loops take it in. 100 is enough for that (60 hashes at 2/3 speed); 300 inlined the
# same hashing into 8.5 KB more code.
node_modules/.bin/wasm-opt target/wasm32-unknown-unknown/release/kvbm_sequence_wasm.wasm \
  --remove-exports --pass-arg=remove-exports@__multi3 \
  -O3 --flexible-inline-max-function-size=100 \
  -o .tmp/kvbm_sequence.wasm
node scripts/embed-wasm.mjs .tmp/kvbm_sequence.wasm ts/generated/wasm-bytes.ts
node_modules/.bin/tsc --noEmit -p tsconfig.json
node_modules/.bin/tsc --noEmit -p tsconfig.cli.json
rm -rf dist
node_modules/.bin/rollup --silent -c scripts/rollup.config.mjs
cp .tmp/kvbm_sequence.wasm dist/kvbm_sequence.wasm
node scripts/node-wrappers.mjs
# One declaration bundle, copied per module kind so every resolution mode reads the right one.
cp dist/index.d.ts dist/index.d.cts
cp dist/vllm.d.ts dist/vllm.d.cts
chmod +x dist/cli.js
echo "kvbm-sequence: built dist/; sizes (budgets: scripts/size-budgets.json):"
node scripts/size-report.mjs
