#!/usr/bin/env bash
# `npm run setup`: installs whatever is missing on a fresh machine, then builds everything.
#   - npm dependencies (npm ci, from package-lock.json)
#   - the Rust -> wasm32 toolchain (scripts/cargo.sh finds rustup's or installs Debian's)
#   - Debian's Chromium, for the browser tests (never a tool's own browser download)
# Quick when everything is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  # `npm install` (not `npm ci`): this npm writes locks without other platforms' optional
  # packages, which `npm ci` then calls out of sync.
  npm install --no-audit --no-fund --no-save --loglevel=error
fi

scripts/cargo.sh --install-only

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium for the browser tests" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium not found; install it (apt-get install chromium) for the browser tests" >&2
  fi
fi

# The engines' own Python libraries (vLLM: cbor2, xxhash, msgpack), as test oracles for the
# engine hash profiles and the KV event wire forms.
if ! /usr/bin/python3 -c 'import cbor2, xxhash, msgpack' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's python3-cbor2, python3-xxhash and python3-msgpack (test oracles)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-cbor2 python3-xxhash python3-msgpack >/dev/null
  else
    echo "setup: python3-cbor2 / python3-xxhash / python3-msgpack not found; the oracle tests need them" >&2
  fi
fi

# NATS for the router replica-sync tests (they start and stop their own server on 127.0.0.1).
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's nats-server (replica-sync tests)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  else
    echo "setup: nats-server not found; install it (apt-get install nats-server) for the replica-sync tests" >&2
  fi
fi

bash scripts/build.sh
