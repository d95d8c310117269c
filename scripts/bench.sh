#!/usr/bin/env bash
# `npm run bench`: native bench binary, then the JavaScript benchmarks (bundled with esbuild),
# which print the table and write bench-results/results.json and bench-results/ratios.svg.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .tmp bench-results

[ -f dist/index.js ] || bash scripts/build.sh
scripts/cargo.sh build --quiet --release -p kvbm-sequence-bench
echo "bench: native workloads (this crate, and an IndexMap front-removal store)..." >&2
target/release/kvbm-bench > .tmp/native.json
echo "bench: WebAssembly library and pure TypeScript..." >&2
node_modules/.bin/esbuild tests/bench/bench.ts --bundle --platform=node --format=esm \
  --packages=external --alias:kvbm-sequence/vllm=./dist/vllm.js --alias:kvbm-sequence=./dist/index.js --outfile=.tmp/bench.mjs --log-level=error
node .tmp/bench.mjs .tmp/native.json bench-results
