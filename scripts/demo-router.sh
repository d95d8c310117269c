#!/usr/bin/env bash
# `npm run demo:router`: bundles scripts/demo-router.ts with esbuild and runs it (needs dist/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f dist/cli.js ] || bash scripts/build.sh
mkdir -p .tmp
node_modules/.bin/esbuild scripts/demo-router.ts --bundle --platform=node --format=esm --packages=external \
  --outfile=.tmp/demo-router.mjs --log-level=error
node .tmp/demo-router.mjs
