#!/usr/bin/env bash
# `npm test`: every suite. The crate's native tests, then vitest over the built package (Node
# suites, the packed-tarball fixture, the browser suites in Debian's Chromium). Ends with one
# line counting every test of both runners.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .tmp

bash scripts/build.sh
# Gates: formatting and lint (Prettier, ESLint; rustfmt, clippy -D warnings on the workspace,
# natively and for wasm32), the tests type-checked, and no source file over 600 lines.
npm run --silent lint
scripts/cargo.sh fmt --all -- --check
scripts/cargo.sh clippy --workspace --all-targets --quiet -- -D warnings
scripts/cargo.sh clippy --target wasm32-unknown-unknown -p kvbm-sequence-wasm --lib --quiet -- -D warnings
RUSTDOCFLAGS='-D warnings' scripts/cargo.sh doc --no-deps --workspace --quiet
node_modules/.bin/tsc -p tests/tsconfig.json
node scripts/file-lengths.mjs
scripts/cargo.sh test 2>&1 | tee .tmp/cargo-test.log | grep -E '^test result|FAILED|panicked' || true
cargo_status=${PIPESTATUS[0]}

vitest_status=0
node --expose-gc node_modules/vitest/vitest.mjs run --config tests/vitest.config.ts \
  --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json "$@" || vitest_status=$?

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const m of fs.readFileSync(".tmp/cargo-test.log", "utf8").matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += +m[1]; failed += +m[2];
  }
  try {
    const v = JSON.parse(fs.readFileSync(".tmp/vitest.json", "utf8"));
    passed += v.numPassedTests; failed += v.numFailedTests;
  } catch { failed += 1; }
  console.log(`all suites: ${passed} passed, ${failed} failed`);
'
[ "$cargo_status" = 0 ] && [ "$vitest_status" = 0 ]
