#!/usr/bin/env bash
# The one entry point to Rust: finds (or installs) a toolchain that can build both native code
# and wasm32-unknown-unknown, then runs `cargo "$@"` with it, so native tests and the wasm build
# always use the same compiler.
#
#   scripts/cargo.sh test                # native tests
#   scripts/cargo.sh --install-only      # just make sure the toolchain is there
#
# Order of preference:
#   1. a rustup toolchain whose wasm32-unknown-unknown std is installed (crates from crates.io);
#   2. Debian's rustc/cargo with libstd-rust-dev-wasm32 and lld-14 (crates from Debian's
#      packaged registry in /usr/share/cargo/registry, since crates.io may be out of reach);
#   3. installing (2) with apt-get when running as root;
#   4. otherwise a message naming what to install.
# KVBM_CRATES=debian|crates-io overrides where crates come from.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
debian_packages=(rustc cargo libstd-rust-dev-wasm32 lld-14 librust-xxhash-rust-dev librust-bs58-dev
                 librust-indexmap-dev rustfmt rust-clippy)
debian_registry=/usr/share/cargo/registry

have_rustup_wasm() {
  command -v rustup >/dev/null 2>&1 || return 1
  local sysroot
  sysroot="$(rustc --print sysroot 2>/dev/null)" || return 1
  [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib" ]
}

have_debian() {
  [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] &&
    [ -d /usr/lib/rustlib/wasm32-unknown-unknown/lib ] &&
    { command -v wasm-ld-14 >/dev/null 2>&1 || command -v rust-lld >/dev/null 2>&1; } &&
    ls -d "$debian_registry"/xxhash-rust-* "$debian_registry"/bs58-* \
      "$debian_registry"/indexmap-* >/dev/null 2>&1 &&
    [ -x /usr/bin/cargo-fmt ] && [ -x /usr/bin/cargo-clippy ]
}

install_debian() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "kvbm-sequence: no Rust toolchain with a wasm32-unknown-unknown std was found." >&2
    echo "Install either 'rustup target add wasm32-unknown-unknown', or (Debian, as root):" >&2
    echo "  apt-get install -y ${debian_packages[*]}" >&2
    exit 1
  fi
  echo "kvbm-sequence: installing Debian's Rust toolchain for wasm32: ${debian_packages[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debian_packages[@]}" >/dev/null
}

toolchain=""
if [ "${KVBM_TOOLCHAIN:-}" != debian ] && have_rustup_wasm; then
  toolchain=rustup
elif have_debian; then
  toolchain=debian
else
  install_debian
  have_debian || { echo "kvbm-sequence: Debian's toolchain is still incomplete" >&2; exit 1; }
  toolchain=debian
fi

[ "${1:-}" = --install-only ] && { echo "kvbm-sequence: Rust toolchain: $toolchain" >&2; exit 0; }

crates="${KVBM_CRATES:-}"
[ -n "$crates" ] || { [ "$toolchain" = debian ] && crates=debian || crates=crates-io; }

cargo_cmd=(cargo)
if [ "$toolchain" = debian ]; then
  export RUSTC=/usr/bin/rustc
  [ -x /usr/bin/rustdoc ] && export RUSTDOC=/usr/bin/rustdoc
  cargo_cmd=(/usr/bin/cargo)
  # Debian's cargo-fmt / cargo-clippy (rustfmt, rust-clippy), not a rustup proxy earlier in PATH.
  export PATH="/usr/bin:$PATH"
  # Debian's rustc finds its wasm linker as rust-lld; lld-14 ships it as wasm-ld-14.
  if ! command -v rust-lld >/dev/null 2>&1 && command -v wasm-ld-14 >/dev/null 2>&1; then
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-14
  fi
fi
if [ "$crates" = debian ]; then
  cargo_cmd+=(--config 'source.crates-io.replace-with="debian"'
              --config "source.debian.directory=\"$debian_registry\"")
fi

cd "$root"
if [ "${1:-}" = clippy ] && [ "$crates" = debian ]; then
  # `cargo clippy` re-runs cargo without the --config flags above (and so would fetch
  # crates.io): run `cargo check` with clippy's driver as cargo-clippy itself does. Arguments
  # after `--` are clippy's (e.g. `-D warnings`).
  shift
  check_args=() clippy_args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do check_args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  clippy_args=("$@")
  joined=""
  for a in "${clippy_args[@]}"; do joined+="${a}__CLIPPY_HACKERY__"; done
  export CLIPPY_ARGS="$joined"
  export RUSTC_WORKSPACE_WRAPPER=/usr/bin/clippy-driver
  exec "${cargo_cmd[@]}" check "${check_args[@]}"
fi
exec "${cargo_cmd[@]}" "$@"
