#!/usr/bin/env bash
# `npm test`: every suite. The crate's native tests, then vitest over the built package (Node
# suites, the packed-tarball fixture, the browser suites in Debian's Chromium).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh
scripts/cargo.sh test --quiet
node --expose-gc node_modules/vitest/vitest.mjs run --config tests/vitest.config.ts "$@"
